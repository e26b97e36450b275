package io.fleet.device;

import io.fleet.CborSerializable;
import java.time.Instant;

/** A clip that is in Fleet's bucket and was checked there (HEAD: size and content type). */
public record StoredClip(String clipId, String key, String url, long size, String contentType, Instant storedAt)
    implements CborSerializable {}
