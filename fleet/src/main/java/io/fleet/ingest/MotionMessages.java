package io.fleet.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleet.device.DeviceType;
import io.fleet.device.MotionReport;
import io.fleet.media.ClipStore;
import io.fleet.protocol.DeviceId;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Reads motion events: the MQTT JSON of {@code fleet/{id}/motion} and the seed's JSON on
 * {@code ksql_motion_events}. Pure; anything that does not fit is {@link Parsed.Rejected}.
 */
public final class MotionMessages {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter SEED_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
  private static final int MAX_TEXT = 1000;

  private MotionMessages() {}

  /** A seed record names its device in the payload: the device id and the report. */
  public record SeedMotion(String deviceId, MotionReport report) {}

  /** {@code {"event_id": "..." | n, "ts": ISO-8601 | epoch s/ms, "score": 0-1?, "clip_id": "..."?}}. */
  public static Parsed<MotionReport> mqtt(byte[] payload, Instant receivedAt) {
    Parsed<JsonNode> json = object(payload, "motion event");
    if (json instanceof Parsed.Rejected<JsonNode> r) return Parsed.rejected(r.reason(), r.detail());
    JsonNode m = ((Parsed.Ok<JsonNode>) json).value();
    String eventId = idText(m.get("event_id"));
    if (eventId == null) return invalid("motion event needs 'event_id' (a string or a number)");
    Instant ts;
    try {
      ts = DeviceMessages.instant(m.get("ts"));
    } catch (DeviceMessages.Invalid e) {
      return invalid("motion event " + e.getMessage());
    }
    JsonNode score = m.get("score");
    if (score != null && !score.isNull() && !score.isNumber()) return invalid("motion event 'score' must be a number");
    String clipId = m.hasNonNull("clip_id") ? m.get("clip_id").asText() : null;
    if (clipId != null && !ClipStore.isValidClipId(clipId)) {
      return invalid("motion event 'clip_id' must be 1-128 letters, digits, '.', '-' or '_'");
    }
    return Parsed.ok(new MotionReport(eventId, ts, receivedAt, score == null || score.isNull() ? null : score.asDouble(),
        clipId, null, null, null, null));
  }

  /**
   * The seed's record, exactly as its devices send it: {@code event_id} (epoch integer or string),
   * {@code device_id} (integer or string), {@code device_name}, {@code device_type}, {@code url},
   * {@code time} ({@code YYYY-MM-DD HH:MM:SS} in {@code zone}), {@code message}.
   */
  public static Parsed<SeedMotion> seed(byte[] payload, Instant receivedAt, ZoneId zone) {
    Parsed<JsonNode> json = object(payload, "seed motion event");
    if (json instanceof Parsed.Rejected<JsonNode> r) return Parsed.rejected(r.reason(), r.detail());
    JsonNode m = ((Parsed.Ok<JsonNode>) json).value();
    String eventId = idText(m.get("event_id"));
    if (eventId == null) return invalid("seed motion event needs 'event_id' (an integer or a string)");
    String deviceId = idText(m.get("device_id"));
    if (!DeviceId.isValid(deviceId)) {
      return invalid("seed motion event needs 'device_id': 1-128 letters, digits, '.', '-' or '_'");
    }
    Instant time;
    try {
      time = m.hasNonNull("time")
          ? LocalDateTime.parse(m.get("time").asText(), SEED_TIME).atZone(zone).toInstant()
          : receivedAt;
    } catch (DateTimeParseException e) {
      return invalid("seed motion event 'time' is not YYYY-MM-DD HH:MM:SS: '" + abbreviate(m.get("time").asText()) + "'");
    }
    DeviceType type = null;
    if (m.hasNonNull("device_type")) {
      String text = m.get("device_type").asText();
      type = DeviceType.parse(text).orElse(null);
      if (type == null) return invalid("seed motion event has unknown 'device_type' '" + abbreviate(text) + "'");
    }
    String name = text(m, "device_name");
    String url = text(m, "url");
    String message = text(m, "message");
    return Parsed.ok(new SeedMotion(deviceId, new MotionReport(eventId, time, receivedAt, null, null, url, message, type, name)));
  }

  private static Parsed<JsonNode> object(byte[] payload, String what) {
    try {
      JsonNode json = JSON.readTree(payload);
      if (json == null || !json.isObject()) return Parsed.rejected(DeadLetter.Reason.MALFORMED_JSON, what + " must be a JSON object");
      return Parsed.ok(json);
    } catch (IOException | RuntimeException e) {
      return Parsed.rejected(DeadLetter.Reason.MALFORMED_JSON, what + " is not JSON");
    }
  }

  /** An id given as a string or an integer; null when missing, empty, too long or of another type. */
  private static String idText(JsonNode n) {
    if (n == null || !(n.isTextual() || n.isIntegralNumber())) return null;
    String s = n.asText().trim();
    return s.isEmpty() || s.length() > 128 ? null : s;
  }

  private static String text(JsonNode json, String field) {
    JsonNode n = json.get(field);
    if (n == null || n.isNull()) return null;
    String s = n.asText();
    return s.length() > MAX_TEXT ? s.substring(0, MAX_TEXT) : s;
  }

  private static <T> Parsed<T> invalid(String detail) {
    return Parsed.rejected(DeadLetter.Reason.INVALID_MESSAGE, detail);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
