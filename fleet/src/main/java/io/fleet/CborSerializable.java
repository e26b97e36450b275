package io.fleet;

/**
 * Marker for every message and event that crosses a node boundary or goes into the journal. Bound once
 * to Pekko's {@code jackson-cbor} serializer in {@code config/serialization.conf}.
 */
public interface CborSerializable {}
