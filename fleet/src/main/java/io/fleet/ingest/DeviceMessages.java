package io.fleet.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleet.device.DeviceType;
import io.fleet.device.Heartbeat;
import io.fleet.device.Telemetry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the payloads devices send: heartbeat and telemetry JSON and the status word (OwnTracks' JSON:
 * {@link OwnTracksMessages}, with the helpers here). Pure functions; anything that does not fit is
 * {@link Parsed.Rejected} with a reason fit for a dead letter.
 */
public final class DeviceMessages {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_TEXT = 200;

  private DeviceMessages() {}

  /**
   * {@code {"ts": "2026-11-23T20:00:00Z" | epoch seconds | epoch millis, "battery": 0-100, "rssi": dBm,
   * "firmware": "1.2.3", "uptime_s": n, "interval_s": n, "errors": n, "type", "name"}};
   * only {@code ts} is required, unknown fields are ignored (also {@code household}: a device does not
   * choose its household, an operator registers it in one).
   */
  public static Parsed<Heartbeat> heartbeat(byte[] payload, Instant receivedAt) {
    Parsed<JsonNode> object = jsonObject(payload, "heartbeat");
    if (object instanceof Parsed.Rejected<JsonNode> r) return Parsed.rejected(r.reason(), r.detail());
    JsonNode json = ((Parsed.Ok<JsonNode>) object).value();
    try {
      Instant ts = instant(json.get("ts"));
      Integer battery = intIn(json, "battery", 0, 100);
      Integer rssi = intIn(json, "rssi", -200, 50);
      String firmware = text(json, "firmware", 100);
      Long uptime = json.hasNonNull("uptime_s") ? longAtLeast(json, "uptime_s", 0) : null;
      Integer interval = intIn(json, "interval_s", 1, 86_400);
      Integer errors = intIn(json, "errors", 0, Integer.MAX_VALUE);
      DeviceType type = null;
      String typeText = text(json, "type", 20);
      if (typeText != null) {
        type = DeviceType.parse(typeText).orElseThrow(() -> new Invalid("unknown device type '" + typeText + "'"));
      }
      String name = text(json, "name", MAX_TEXT);
      return Parsed.ok(new Heartbeat(ts, receivedAt, battery, rssi, firmware, uptime, interval, errors, type, name));
    } catch (Invalid e) {
      return Parsed.rejected(DeadLetter.Reason.INVALID_MESSAGE, "heartbeat " + e.getMessage());
    }
  }

  /** Most readings one telemetry message may carry. */
  static final int MAX_READINGS = 32;

  /**
   * {@code {"ts": ..., "readings": {"temperature": 21.4, "humidity": 40.2}}}, or the readings as top-level
   * numbers ({@code {"ts": ..., "temperature": 21.4}}); {@code type} and {@code name} as in a
   * heartbeat ({@code household} ignored, never a reading). Needs {@code ts} and 1 to {@value #MAX_READINGS} finite numeric readings.
   */
  public static Parsed<Telemetry> telemetry(byte[] payload, Instant receivedAt) {
    Parsed<JsonNode> object = jsonObject(payload, "telemetry");
    if (object instanceof Parsed.Rejected<JsonNode> r) return Parsed.rejected(r.reason(), r.detail());
    JsonNode json = ((Parsed.Ok<JsonNode>) object).value();
    try {
      Instant ts = instant(json.get("ts"));
      JsonNode source = json.has("readings") ? json.get("readings") : json;
      if (!source.isObject()) throw new Invalid("'readings' must be an object of numbers");
      Map<String, Double> readings = new TreeMap<>();
      for (var fields = source.fields(); fields.hasNext(); ) {
        var field = fields.next();
        if (source == json && NOT_READINGS.contains(field.getKey())) continue;
        if (!field.getValue().isNumber()) {
          if (source == json) continue;
          throw new Invalid("reading '" + abbreviate(field.getKey()) + "' is not a number");
        }
        double v = field.getValue().asDouble();
        if (!Double.isFinite(v)) throw new Invalid("reading '" + abbreviate(field.getKey()) + "' is not finite");
        if (field.getKey().length() > 64) throw new Invalid("reading name longer than 64 characters");
        readings.put(field.getKey(), v);
      }
      if (readings.isEmpty()) throw new Invalid("has no numeric readings");
      if (readings.size() > MAX_READINGS) throw new Invalid("has " + readings.size() + " readings, at most " + MAX_READINGS);
      DeviceType type = null;
      String typeText = text(json, "type", 20);
      if (typeText != null) {
        type = DeviceType.parse(typeText).orElseThrow(() -> new Invalid("unknown device type '" + typeText + "'"));
      }
      return Parsed.ok(new Telemetry(ts, receivedAt, readings, type, text(json, "name", MAX_TEXT)));
    } catch (Invalid e) {
      return Parsed.rejected(DeadLetter.Reason.INVALID_MESSAGE, "telemetry " + e.getMessage());
    }
  }

  static double number(JsonNode json, String field, double min, double max) throws Invalid {
    JsonNode n = json.get(field);
    if (n == null || !n.isNumber()) throw new Invalid("needs '" + field + "' as a number");
    double v = n.asDouble();
    if (!Double.isFinite(v) || v < min || v > max) throw new Invalid("'" + field + "' out of range [" + min + ", " + max + "]: " + n);
    return v;
  }

  /** Top-level fields of a telemetry message that are not readings. */
  private static final Set<String> NOT_READINGS = Set.of("ts", "type", "name", "household");

  /**
   * The status topic carries {@code online} or {@code offline} (the last will), as a bare word or as
   * JSON {@code {"state": "offline"}} / {@code {"status": "offline"}}. Returns true for online.
   */
  public static Parsed<Boolean> status(byte[] payload) {
    String text = new String(payload, StandardCharsets.UTF_8).trim();
    if (text.startsWith("{") || text.startsWith("\"")) {
      try {
        JsonNode json = JSON.readTree(text);
        JsonNode state = json.isTextual() ? json : json.has("state") ? json.get("state") : json.get("status");
        text = state == null ? "" : state.asText();
      } catch (JsonProcessingException e) {
        return Parsed.rejected(DeadLetter.Reason.MALFORMED_JSON, "status is not JSON: " + firstLine(e.getMessage()));
      }
    }
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "online" -> Parsed.ok(true);
      case "offline" -> Parsed.ok(false);
      default -> Parsed.rejected(DeadLetter.Reason.INVALID_MESSAGE,
          "status must be 'online' or 'offline', was '" + abbreviate(text) + "'");
    };
  }

  /** The payload as a JSON object, or why it is not one. */
  static Parsed<JsonNode> jsonObject(byte[] payload, String what) {
    JsonNode json;
    try {
      json = JSON.readTree(payload);
    } catch (IOException | RuntimeException e) {
      return Parsed.rejected(DeadLetter.Reason.MALFORMED_JSON, what + " is not JSON: " + firstLine(e.getMessage()));
    }
    if (json == null || !json.isObject()) return Parsed.rejected(DeadLetter.Reason.MALFORMED_JSON, what + " must be a JSON object");
    return Parsed.ok(json);
  }

  /** Earliest device time taken: before it a timestamp is garbage, not history. */
  static final Instant EARLIEST = Instant.EPOCH;
  /** Latest device time a database column holds everywhere Fleet runs (further checked against the clock skew). */
  static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  static Instant instant(JsonNode ts) throws Invalid {
    if (ts == null || ts.isNull()) throw new Invalid("needs 'ts'");
    Instant instant;
    if (ts.isIntegralNumber()) {
      if (!ts.canConvertToLong()) throw new Invalid("'ts' out of range: " + abbreviate(ts.asText()));
      long n = ts.asLong();
      // Epoch seconds until the year 5138; beyond that it must be milliseconds.
      instant = n < 100_000_000_000L && n > -100_000_000_000L ? Instant.ofEpochSecond(n) : Instant.ofEpochMilli(n);
    } else if (ts.isTextual()) {
      try {
        instant = Instant.parse(ts.asText());
      } catch (DateTimeParseException e) {
        throw new Invalid("'ts' is not an ISO-8601 instant: '" + abbreviate(ts.asText()) + "'");
      }
    } else {
      throw new Invalid("'ts' must be an ISO-8601 string or epoch number");
    }
    if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
      throw new Invalid("'ts' out of range [" + EARLIEST + ", " + LATEST + "]: " + abbreviate(ts.asText()));
    }
    return instant;
  }

  static Integer intIn(JsonNode json, String field, int min, int max) throws Invalid {
    JsonNode n = json.get(field);
    if (n == null || n.isNull()) return null;
    if (!n.isNumber()) throw new Invalid("'" + field + "' must be a number");
    double v = n.asDouble();
    if (v < min || v > max) throw new Invalid("'" + field + "' out of range [" + min + ", " + max + "]: " + n);
    return (int) Math.round(v);
  }

  private static long longAtLeast(JsonNode json, String field, long min) throws Invalid {
    JsonNode n = json.get(field);
    if (!n.isNumber() || n.asLong() < min) throw new Invalid("'" + field + "' must be a number >= " + min);
    return n.asLong();
  }

  static String text(JsonNode json, String field, int maxLength) throws Invalid {
    JsonNode n = json.get(field);
    if (n == null || n.isNull()) return null;
    if (!n.isValueNode()) throw new Invalid("'" + field + "' must be a string");
    String s = n.asText();
    if (s.length() > maxLength) throw new Invalid("'" + field + "' longer than " + maxLength + " characters");
    return s;
  }

  static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  static final class Invalid extends Exception {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }
}
