package io.fleet.infra;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Kafka header names Fleet puts on records of {@code fleet.device-events} and {@code fleet.dead-letters}. */
public final class IngestHeaders {
  /** The message kind: heartbeat, telemetry, motion, status, location. */
  public static final String KIND = "fleet.kind";
  /** Where the record came from, e.g. {@code mqtt:fleet/cam-1/heartbeat} or {@code kafka:topic/partition/offset}. */
  public static final String SOURCE = "fleet.source";
  /** When Fleet received it, epoch milliseconds. */
  public static final String RECEIVED_AT = "fleet.received-at";
  /** Whether MQTT delivered it as a retained message. */
  public static final String RETAINED = "fleet.retained";
  /** On a tick of the ingress bridge: which broker's bridge ({@code IngestProgress}). */
  public static final String BROKER = "fleet.broker";
  /** Motion reports put back on their topic while S3 could not be checked: how many times so far. */
  public static final String REQUEUED = "fleet.requeued";
  /** Dead letters: the reason code and a human-readable detail. */
  public static final String REASON = "fleet.reason";
  public static final String DETAIL = "fleet.detail";
  /** Dead letters whose payload had to be cut to fit: the original size in bytes. */
  public static final String ORIGINAL_SIZE = "fleet.original-size";

  private IngestHeaders() {}

  public static Optional<String> get(Headers headers, String name) {
    Header h = headers.lastHeader(name);
    return h == null || h.value() == null
        ? Optional.empty()
        : Optional.of(new String(h.value(), StandardCharsets.UTF_8));
  }

  /** When Fleet received the record: the bridge's header, or the record's own time when that is missing or garbled. */
  public static Instant receivedAt(ConsumerRecord<?, ?> record) {
    return get(record.headers(), RECEIVED_AT).flatMap(IngestHeaders::epochMillis)
        .orElseGet(() -> Instant.ofEpochMilli(Math.max(0, record.timestamp())));
  }

  /** Epoch milliseconds written by Fleet, or empty when the text is not a number a device could have garbled into. */
  public static Optional<Instant> epochMillis(String text) {
    try {
      return Optional.of(Instant.ofEpochMilli(Long.parseLong(text.trim())));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * The headers the ingress bridge gives a device's message on {@code fleet.device-events}: its kind (a
   * {@code DeviceTopic.Kind} label), where it came from and when Fleet received it.
   */
  public static void deviceMessage(Headers headers, String kind, String source, Instant receivedAt) {
    put(headers, KIND, kind);
    put(headers, SOURCE, source);
    put(headers, RECEIVED_AT, Long.toString(receivedAt.toEpochMilli()));
  }

  public static void put(Headers headers, String name, String value) {
    headers.remove(name);
    headers.add(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
