package io.fleet.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.device.DeviceType;
import io.fleet.device.MotionReport;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The motion JSON of MQTT devices and of the seed's Kafka devices, and what is refused. */
class MotionMessagesTest {
  private static final Instant NOW = Instant.parse("2026-11-23T21:00:05Z");

  @Test
  void anMqttMotionEventReadsIdTimeScoreAndClip() {
    MotionReport r = ok(MotionMessages.mqtt(bytes("{\"event_id\": \"m-1\", \"ts\": 1763931600, \"score\": 0.7, \"clip_id\": \"c-1.mp4\"}"), NOW));

    assertThat(r.eventId()).isEqualTo("m-1");
    assertThat(r.eventTime()).isEqualTo(Instant.ofEpochSecond(1763931600));
    assertThat(r.receivedAt()).isEqualTo(NOW);
    assertThat(r.score()).isEqualTo(0.7);
    assertThat(r.clipId()).isEqualTo("c-1.mp4");
  }

  @Test
  void anMqttMotionEventWithoutIdOrTsOrWithABadClipIdIsInvalid() {
    assertThat(reason(MotionMessages.mqtt(bytes("{\"ts\": 1}"), NOW))).isEqualTo(DeadLetter.Reason.INVALID_MESSAGE);
    assertThat(reason(MotionMessages.mqtt(bytes("{\"event_id\": 1}"), NOW))).isEqualTo(DeadLetter.Reason.INVALID_MESSAGE);
    assertThat(reason(MotionMessages.mqtt(bytes("{\"event_id\": 1, \"ts\": 1, \"clip_id\": \"../x\"}"), NOW)))
        .isEqualTo(DeadLetter.Reason.INVALID_MESSAGE);
    assertThat(reason(MotionMessages.mqtt(bytes("{\"event_id\": 1, "), NOW))).isEqualTo(DeadLetter.Reason.MALFORMED_JSON);
  }

  @Test
  void theSeedRecordIsReadExactlyAsTheArticleWritesIt() {
    String seed = "{\"event_id\": 1700000000, \"device_id\": 7, \"device_name\": \"description of yard camera\","
        + " \"device_type\": \"camera\", \"url\": \"https://xxxx.s3.us-west-2.amazonaws.com/0-xx-xxxxxxxxxx.mp4\","
        + " \"time\": \"2026-11-23 21:00:00\", \"message\": \"motion was detected\"}";

    MotionMessages.SeedMotion m = ok(MotionMessages.seed(bytes(seed), NOW, ZoneOffset.UTC));

    assertThat(m.deviceId()).isEqualTo("7");
    assertThat(m.report().eventId()).isEqualTo("1700000000");
    assertThat(m.report().eventTime()).isEqualTo(Instant.parse("2026-11-23T21:00:00Z"));
    assertThat(m.report().type()).isEqualTo(DeviceType.CAMERA);
    assertThat(m.report().name()).isEqualTo("description of yard camera");
    assertThat(m.report().url()).isEqualTo("https://xxxx.s3.us-west-2.amazonaws.com/0-xx-xxxxxxxxxx.mp4");
    assertThat(m.report().message()).isEqualTo("motion was detected");
  }

  @Test
  void theSeedTimeIsReadInTheConfiguredZoneAndIdsMayBeStrings() {
    String seed = "{\"event_id\": \"ev-9\", \"device_id\": \"porch\", \"time\": \"2026-11-23 22:00:00\"}";

    MotionMessages.SeedMotion m = ok(MotionMessages.seed(bytes(seed), NOW, ZoneId.of("Europe/Berlin")));

    assertThat(m.deviceId()).isEqualTo("porch");
    assertThat(m.report().eventTime()).isEqualTo(Instant.parse("2026-11-23T21:00:00Z"));
  }

  @Test
  void aSeedRecordWithABadTimeTypeOrDeviceIsInvalid() {
    assertThat(reason(MotionMessages.seed(bytes("{\"event_id\": 1, \"device_id\": 7, \"time\": \"yesterday\"}"), NOW, ZoneOffset.UTC)))
        .isEqualTo(DeadLetter.Reason.INVALID_MESSAGE);
    assertThat(reason(MotionMessages.seed(bytes("{\"event_id\": 1, \"device_id\": 7, \"device_type\": \"toaster\"}"), NOW, ZoneOffset.UTC)))
        .isEqualTo(DeadLetter.Reason.INVALID_MESSAGE);
    assertThat(reason(MotionMessages.seed(bytes("{\"event_id\": 1, \"device_id\": \"a b\"}"), NOW, ZoneOffset.UTC)))
        .isEqualTo(DeadLetter.Reason.INVALID_MESSAGE);
    assertThat(reason(MotionMessages.seed(bytes("[1]"), NOW, ZoneOffset.UTC))).isEqualTo(DeadLetter.Reason.MALFORMED_JSON);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static <T> T ok(Parsed<T> parsed) {
    assertThat(parsed).isInstanceOf(Parsed.Ok.class);
    return ((Parsed.Ok<T>) parsed).value();
  }

  private static DeadLetter.Reason reason(Parsed<?> parsed) {
    assertThat(parsed).isInstanceOf(Parsed.Rejected.class);
    return ((Parsed.Rejected<?>) parsed).reason();
  }
}
