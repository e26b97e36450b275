package io.fleet.readside;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;

/**
 * One row of the device event log: what happened to which device, when it happened on the device ({@code at})
 * and when Fleet received it, with its details as JSON.
 */
public record DeviceEventRow(long id, String deviceId, String household, String type, Instant at, Instant receivedAt,
    @JsonRawValue String detail) {}
