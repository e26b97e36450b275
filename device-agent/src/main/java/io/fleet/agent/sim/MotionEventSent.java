package io.fleet.agent.sim;

import java.time.Instant;

/**
 * Ground truth of a simulated camera's motion event: the broker acknowledged it on {@code fleet/{deviceId}/motion},
 * and S3 had its clip {@code clipId} (uploaded through Fleet's presigned URL) before it was sent.
 */
public record MotionEventSent(String deviceId, String eventId, String clipId, Instant ts) {}
