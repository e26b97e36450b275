package io.fleet.telemetry;

import java.time.Instant;

/** One stored reading: a device's value of one metric at the device's time {@code ts}. */
public record Reading(String deviceId, String metric, Instant ts, double value) {}
