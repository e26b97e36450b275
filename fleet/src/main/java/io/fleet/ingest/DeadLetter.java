package io.fleet.ingest;

import io.fleet.device.Rejection;
import io.fleet.infra.IngestHeaders;
import java.time.Instant;
import java.util.Arrays;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Input Fleet could not use, kept with the reason on {@code fleet.dead-letters}: the original bytes
 * (cut to {@link #MAX_KEPT_BYTES} with the original size in a header when larger), the reason code,
 * a detail and where it came from.
 */
public record DeadLetter(String key, Reason reason, String detail, String source, byte[] payload, Instant receivedAt) {

  /** Largest payload a dead letter keeps whole; the topic and producer are configured for it. */
  public static final int MAX_KEPT_BYTES = 4 * 1024 * 1024;

  public enum Reason {
    MALFORMED_JSON("malformed-json"),
    INVALID_MESSAGE("invalid-message"),
    OVERSIZED("oversized"),
    UNKNOWN_TOPIC("unknown-topic"),
    UNKNOWN_DEVICE("unknown-device"),
    /** A camera frame on {@code fleet.frames} that is not a readable JPEG. */
    MALFORMED_FRAME("malformed-frame"),
    /** Telemetry that would give its device more metric names than {@code fleet.device.max-metrics}. */
    TOO_MANY_METRICS("too-many-metrics"),
    /** The device's time is further ahead of Fleet's than {@code fleet.device.max-clock-skew}. */
    CLOCK_SKEW("clock-skew"),
    /** The device's entity failed on the record every time it was tried, while it answered other asks. */
    ENTITY_FAILED("entity-failed"),
    /** Handling the record failed in Fleet itself (a defect): kept so that nothing is lost, and counted. */
    PROCESSING_FAILED("processing-failed");

    private final String code;

    Reason(String code) {
      this.code = code;
    }

    public String code() {
      return code;
    }

    /** Why a record the device refused is dead-lettered: the one mapping of refusals to reasons. */
    public static Reason of(Rejection rejection) {
      return switch (rejection.kind()) {
        case UNKNOWN_DEVICE -> UNKNOWN_DEVICE;
        case TOO_MANY_METRICS -> TOO_MANY_METRICS;
        case INVALID_COMMAND -> INVALID_MESSAGE;
      };
    }
  }

  public ProducerRecord<String, byte[]> toRecord(String topic) {
    byte[] kept = payload.length > MAX_KEPT_BYTES ? Arrays.copyOf(payload, MAX_KEPT_BYTES) : payload;
    ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, kept);
    IngestHeaders.put(record.headers(), IngestHeaders.REASON, reason.code());
    IngestHeaders.put(record.headers(), IngestHeaders.DETAIL, detail);
    IngestHeaders.put(record.headers(), IngestHeaders.SOURCE, source);
    IngestHeaders.put(record.headers(), IngestHeaders.RECEIVED_AT, Long.toString(receivedAt.toEpochMilli()));
    if (kept != payload) {
      IngestHeaders.put(record.headers(), IngestHeaders.ORIGINAL_SIZE, Integer.toString(payload.length));
    }
    return record;
  }
}
