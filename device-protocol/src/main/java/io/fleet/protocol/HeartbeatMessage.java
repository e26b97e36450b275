package io.fleet.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Objects;

/**
 * A device's periodic sign of life, published with QoS 1 to {@link Topics#heartbeat(String)}. It carries the
 * device's type and household so that an unknown device can register itself from its first heartbeat, and, when
 * the device counts them, its errors since it started (the edge agent: writes its outbox's disk refused).
 *
 * <p>Wire form: {@code {"ts":"2026-11-23T20:00:00.123Z","battery":87,"rssi":-61,"firmware":"1.4.2",
 * "uptime_s":3600,"interval_s":5,"errors":0,"type":"camera","household":"household-7"}}, {@code errors} only when
 * counted.
 */
public record HeartbeatMessage(
    Instant ts,
    int battery,
    int rssi,
    String firmware,
    long uptimeS,
    int intervalS,
    DeviceKind type,
    String household,
    Integer errors) {

  private static final JsonFactory JSON = new JsonFactory();

  public HeartbeatMessage {
    Objects.requireNonNull(ts, "ts");
    Objects.requireNonNull(firmware, "firmware");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(household, "household");
    if (battery < 0 || battery > 100) {
      throw new IllegalArgumentException("battery must be 0-100 percent: " + battery);
    }
    if (uptimeS < 0) {
      throw new IllegalArgumentException("uptime_s must not be negative: " + uptimeS);
    }
    if (intervalS < 1) {
      throw new IllegalArgumentException("interval_s must be at least 1: " + intervalS);
    }
    if (errors != null && errors < 0) {
      throw new IllegalArgumentException("errors must not be negative: " + errors);
    }
  }

  /** A heartbeat of a device that counts no errors. */
  public HeartbeatMessage(Instant ts, int battery, int rssi, String firmware, long uptimeS, int intervalS, DeviceKind type,
      String household) {
    this(ts, battery, rssi, firmware, uptimeS, intervalS, type, household, null);
  }

  /** The UTF-8 JSON payload; written with a streaming generator since thousands of devices do this each second. */
  public byte[] toJson() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(192);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("ts", ts.toString());
      json.writeNumberField("battery", battery);
      json.writeNumberField("rssi", rssi);
      json.writeStringField("firmware", firmware);
      json.writeNumberField("uptime_s", uptimeS);
      json.writeNumberField("interval_s", intervalS);
      if (errors != null) json.writeNumberField("errors", errors);
      json.writeStringField("type", type.wireName());
      json.writeStringField("household", household);
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory cannot fail", e);
    }
    return out.toByteArray();
  }
}
