package io.fleet.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.device.DeviceType;
import io.fleet.device.Heartbeat;
import io.fleet.device.Telemetry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceMessagesTest {
  private static final Instant NOW = Instant.parse("2026-11-23T20:00:05Z");

  private static Parsed<Heartbeat> heartbeat(String json) {
    return DeviceMessages.heartbeat(json.getBytes(StandardCharsets.UTF_8), NOW);
  }

  private static Heartbeat ok(Parsed<Heartbeat> parsed) {
    assertThat(parsed).isInstanceOf(Parsed.Ok.class);
    return ((Parsed.Ok<Heartbeat>) parsed).value();
  }

  private static Parsed.Rejected<?> rejected(Parsed<?> parsed) {
    assertThat(parsed).isInstanceOf(Parsed.Rejected.class);
    return (Parsed.Rejected<?>) parsed;
  }

  @Test
  void aFullHeartbeatIsReadField() {
    Heartbeat hb = ok(heartbeat("""
        {"ts":"2026-11-23T20:00:00Z","battery":87,"rssi":-61,"firmware":"1.4.2","uptime_s":3600,
         "interval_s":10,"errors":2,"type":"camera","name":"Front door","household":"h-7","extra":"ignored"}"""));
    assertThat(hb).isEqualTo(new Heartbeat(Instant.parse("2026-11-23T20:00:00Z"), NOW, 87, -61, "1.4.2", 3600L, 10, 2,
        DeviceType.CAMERA, "Front door"));
  }

  @Test
  void onlyTsIsRequiredAndMayBeEpochSecondsOrMillis() {
    assertThat(ok(heartbeat("{\"ts\":1795464000}")).ts()).isEqualTo(Instant.ofEpochSecond(1795464000L));
    assertThat(ok(heartbeat("{\"ts\":1795464000123}")).ts()).isEqualTo(Instant.ofEpochMilli(1795464000123L));
    Heartbeat minimal = ok(heartbeat("{\"ts\":1795464000}"));
    assertThat(minimal.battery()).isNull();
    assertThat(minimal.intervalS()).isNull();
    assertThat(minimal.receivedAt()).isEqualTo(NOW);
  }

  @Test
  void malformedJsonIsRejectedAsMalformed() {
    assertThat(rejected(heartbeat("{\"ts\": ")).reason()).isEqualTo(DeadLetter.Reason.MALFORMED_JSON);
    assertThat(rejected(heartbeat("not json at all")).reason()).isEqualTo(DeadLetter.Reason.MALFORMED_JSON);
    assertThat(rejected(heartbeat("[1,2]")).reason()).isEqualTo(DeadLetter.Reason.MALFORMED_JSON);
    assertThat(rejected(heartbeat("")).reason()).isEqualTo(DeadLetter.Reason.MALFORMED_JSON);
  }

  @Test
  void wellFormedButInvalidHeartbeatsSayWhatIsWrong() {
    assertThat(rejected(heartbeat("{\"battery\":50}")).detail()).contains("needs 'ts'");
    assertThat(rejected(heartbeat("{\"ts\":\"yesterday\"}")).detail()).contains("ISO-8601");
    assertThat(rejected(heartbeat("{\"ts\":1795464000,\"battery\":101}")).detail()).contains("'battery' out of range");
    assertThat(rejected(heartbeat("{\"ts\":1795464000,\"battery\":\"full\"}")).detail()).contains("'battery' must be a number");
    assertThat(rejected(heartbeat("{\"ts\":1795464000,\"interval_s\":0}")).detail()).contains("'interval_s'");
    assertThat(rejected(heartbeat("{\"ts\":1795464000,\"type\":\"toaster\"}")).detail()).contains("unknown device type");
    assertThat(rejected(heartbeat("{\"ts\":1795464000,\"name\":{\"a\":1}}")).reason()).isEqualTo(DeadLetter.Reason.INVALID_MESSAGE);
  }

  @Test
  void statusIsOnlineOrOfflineAsAWordOrJson() {
    assertThat(DeviceMessages.status(bytes("online"))).isEqualTo(Parsed.ok(true));
    assertThat(DeviceMessages.status(bytes(" OFFLINE\n"))).isEqualTo(Parsed.ok(false));
    assertThat(DeviceMessages.status(bytes("{\"state\":\"offline\"}"))).isEqualTo(Parsed.ok(false));
    assertThat(DeviceMessages.status(bytes("{\"status\":\"online\"}"))).isEqualTo(Parsed.ok(true));
    assertThat(rejected(DeviceMessages.status(bytes("sleeping"))).reason()).isEqualTo(DeadLetter.Reason.INVALID_MESSAGE);
    assertThat(rejected(DeviceMessages.status(bytes("{\"state\":"))).reason()).isEqualTo(DeadLetter.Reason.MALFORMED_JSON);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void telemetryReadingsComeNestedOrAtTheTopLevelAndMustBeFiniteNumbers() {
    var nested = (Parsed.Ok<Telemetry>) DeviceMessages.telemetry(
        "{\"ts\":\"2026-11-23T20:00:00Z\",\"readings\":{\"temperature\":21.5,\"humidity\":40}}".getBytes(StandardCharsets.UTF_8), NOW);
    assertThat(nested.value().readings()).containsOnly(Map.entry("humidity", 40.0), Map.entry("temperature", 21.5));
    var flat = (Parsed.Ok<Telemetry>) DeviceMessages.telemetry(
        "{\"ts\":1795464000,\"temperature\":21.5,\"name\":\"Attic\",\"note\":\"x\"}".getBytes(StandardCharsets.UTF_8), NOW);
    assertThat(flat.value().readings()).containsOnlyKeys("temperature");
    assertThat(flat.value().name()).isEqualTo("Attic");

    assertThat(rejected(DeviceMessages.telemetry("{\"ts\":1795464000,\"readings\":{\"t\":\"hot\"}}".getBytes(StandardCharsets.UTF_8), NOW)).detail())
        .contains("reading 't' is not a number");
    assertThat(rejected(DeviceMessages.telemetry("{\"ts\":1795464000}".getBytes(StandardCharsets.UTF_8), NOW)).detail())
        .contains("no numeric readings");
    assertThat(rejected(DeviceMessages.telemetry("{\"readings\":{\"t\":1}}".getBytes(StandardCharsets.UTF_8), NOW)).detail())
        .contains("needs 'ts'");
    assertThat(rejected(DeviceMessages.telemetry("[1,2]".getBytes(StandardCharsets.UTF_8), NOW)).reason())
        .isEqualTo(DeadLetter.Reason.MALFORMED_JSON);
  }
}
