package io.fleet.readside;

import java.time.Instant;

/** An alert as listed: its latest revision, with who acknowledged and cleared it and when (null until then). */
public record AlertRow(
    String alertId,
    String deviceId,
    String household,
    String kind,
    String severity,
    String state,
    int revision,
    String eventId,
    Instant eventTime,
    Instant raisedAt,
    Instant updatedAt,
    String message,
    String url,
    String clipId,
    boolean clipVerified,
    String acknowledgedBy,
    Instant acknowledgedAt,
    String clearedBy,
    Instant clearedAt) {}
