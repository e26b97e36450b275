package io.fleet.device;

import io.fleet.CborSerializable;
import java.time.Instant;

/**
 * A motion event as a device reported it, from {@code fleet/{id}/motion} or the seed's Kafka topic.
 * {@code eventId} deduplicates redeliveries; {@code eventTime} is the device's clock, {@code receivedAt}
 * the server's (quiet period and cooldown run on server time). {@code clipId} names a clip Fleet
 * stores or checks; {@code url} is a clip elsewhere, recorded as given. Type and name only matter when
 * the report registers an unknown device.
 */
public record MotionReport(
    String eventId,
    Instant eventTime,
    Instant receivedAt,
    Double score,
    String clipId,
    String url,
    String message,
    DeviceType type,
    String name)
    implements CborSerializable {}
