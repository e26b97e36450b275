package io.fleet.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleet.device.Alert;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * An alert as published on {@code fleet.alerts}: the seed's fields ({@code event_id, device_id,
 * device_name, device_type, url, time, message}, {@code time} as {@code YYYY-MM-DD HH:MM:SS} in the
 * configured zone) plus {@code alert_id, kind, severity, household, clip_id, clip_verified, state},
 * {@code revision} (0 when raised, then one per update), {@code clips}, {@code raised_at} and who
 * acknowledged and cleared it when ({@code acknowledged_by/_at}, {@code cleared_by/_at}, null until then).
 */
public final class AlertJson {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final DateTimeFormatter time;

  public AlertJson(ZoneId zone) {
    this.time = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(zone);
  }

  public byte[] toBytes(String deviceId, Alert alert, Instant at) {
    ObjectNode o = JSON.createObjectNode();
    o.put("event_id", alert.eventId());
    o.put("device_id", deviceId);
    o.put("device_name", alert.deviceName());
    o.put("device_type", alert.deviceType() == null ? null : alert.deviceType().label());
    o.put("url", alert.url());
    o.put("time", alert.eventTime() == null ? null : time.format(alert.eventTime()));
    o.put("message", alert.message());
    o.put("alert_id", alert.alertId());
    o.put("kind", alert.kind().label());
    o.put("severity", alert.severity());
    o.put("household", alert.household());
    o.put("clip_id", alert.clipId());
    o.put("clip_verified", alert.clipVerified());
    o.put("state", alert.state());
    o.put("revision", alert.revision());
    o.put("acknowledged_by", alert.acknowledgedBy());
    o.put("acknowledged_at", alert.acknowledgedAt() == null ? null : alert.acknowledgedAt().toString());
    o.put("cleared_by", alert.clearedBy());
    o.put("cleared_at", alert.clearedAt() == null ? null : alert.clearedAt().toString());
    if (alert.anomaly() != null) {
      ObjectNode a = o.putObject("anomaly");
      a.put("reading_ts", String.valueOf(alert.anomaly().readingTs()));
      alert.anomaly().readings().forEach(a.putObject("readings")::put);
      a.put("score", alert.anomaly().verdict().score());
      a.put("detector", alert.anomaly().verdict().detector());
      ObjectNode expected = a.putObject("expected");
      alert.anomaly().verdict().expected().forEach((metric, range) -> range.forEach(expected.putArray(metric)::add));
    }
    alert.clips().forEach(o.putArray("clips")::add);
    o.put("raised_at", at.toString());
    try {
      return JSON.writeValueAsBytes(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an ObjectNode always serializes", e);
    }
  }
}
