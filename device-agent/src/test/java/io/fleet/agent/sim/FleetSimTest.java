package io.fleet.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleet.agent.edge.MqttEndpoint;
import io.fleet.protocol.DeviceKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FleetSimTest {

  @Test
  void readsEveryOption() {
    SimOptions options = SimOptions.parse(new String[] {
      "--mqtt", "tcp://10.0.0.5:1884", "--devices", "2000", "--interval", "500ms", "--id-prefix", "load-",
      "--duration", "2m", "--households", "40", "--mqtt-version", "3.1.1", "--password", "s3cret",
      "--progress", "10s", "--telemetry", "off", "--misbehaving", "0.01", "--sensor-interval", "30s",
      "--fleet-api", "http://10.0.0.5:8080", "--motion-every", "2m", "--ca-file", "/etc/fleet/ca.pem"});

    assertThat(options).isEqualTo(new SimOptions("tcp://10.0.0.5:1884", 2000, Map.of(), "load-",
        Duration.ofMillis(500), Map.of(DeviceKind.SENSOR, Duration.ofSeconds(30)), Duration.ofMinutes(2), 40,
        MqttVersion.V3_1_1, "s3cret", null, false, 0.01, "http://10.0.0.5:8080", Duration.ofMinutes(2), Duration.ofSeconds(10),
        Path.of("/etc/fleet/ca.pem")));
    assertThat(options.total()).isEqualTo(2000);
  }

  @Test
  void needsOnlyTheBroker() {
    SimOptions options = SimOptions.parse(new String[] {"--mqtt", "tcp://127.0.0.1:1883"});

    assertThat(options.devices()).isEqualTo(100);
    assertThat(options.perKind()).isEmpty();
    assertThat(options.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(options.duration()).isEqualTo(Duration.ofSeconds(60));
    assertThat(options.version()).isEqualTo(MqttVersion.V5);
    assertThat(options.password()).isNull();
    assertThat(options.telemetry()).isTrue();
    assertThat(options.misbehaving()).isZero();
  }

  @Test
  void countsPerKindReplaceTheDeviceCount() {
    SimOptions options = SimOptions.parse(new String[] {
      "--mqtt", "tcp://127.0.0.1:1883", "--cameras", "500", "--sensors", "5000", "--trackers", "50", "--duration", "10m"});

    assertThat(options.perKind()).isEqualTo(Map.of(DeviceKind.CAMERA, 500, DeviceKind.SENSOR, 5000, DeviceKind.TRACKER, 50));
    assertThat(options.total()).isEqualTo(5550);
    assertThat(options.duration()).isEqualTo(Duration.ofMinutes(10));
    assertThatThrownBy(() -> SimOptions.parse(new String[] {"--mqtt", "tcp://h:1", "--cameras", "0"}))
        .hasMessageContaining("add up to no device");
    assertThatThrownBy(() -> SimOptions.parse(new String[] {"--mqtt", "tcp://h:1", "--misbehaving", "2"}))
        .hasMessageContaining("between 0 and 1");
  }

  @Test
  void aDeviceSecretGivesEachDeviceThePasswordFleetDerives() {
    // Fleet's DerivedPasswords: base64url(HMAC-SHA256("s3cret", "cam-1")) without padding, computed by Python's hmac.
    assertThat(new DevicePasswords("s3cret").apply("cam-1")).isEqualTo("wMGF2NcsbMVyTegFXp12M1H8T47ElwhMATbYv_p2N4s");
    assertThat(new DevicePasswords("s3cret").apply("cam-1")).isNotEqualTo(new DevicePasswords("s3cret").apply("cam-2"));
  }

  @Test
  void theSummarySaysPerKindWhatWasSentAcknowledgedAndFailedAndTheRates() {
    FleetStats stats = new FleetStats(12, 11, 0, 0, 0,
        Map.of(DeviceKind.CAMERA, new Traffic(2, 2, 100, 98, 2), DeviceKind.SENSOR, new Traffic(9, 9, 400, 400, 0)),
        new Traffic(1, 0, 0, 0, 0), 1, new MotionCounts(5, 4, 1, 4, "Fleet refused an upload slot: 404"));

    String summary = SimReport.summary(stats, 11, Duration.ofSeconds(10), 0);

    assertThat(summary).contains("summary after 10 s: 12 devices, 11 connected")
        .containsPattern("camera +2 +100 +98 +2 +9\\.8")
        .containsPattern("sensor +9 +400 +400 +0 +40\\.0")
        .containsPattern("all +11 +500 +498 +2 +49\\.8")
        .doesNotContain("tracker")
        .contains("devices refused at connect: 1")
        .contains("motion episodes: 5, clips uploaded to S3: 4, events acknowledged: 4, failed: 1")
        .contains("a failed episode: Fleet refused an upload slot: 404");
    String progress = SimReport.progress(stats, new FleetStats(12, 11, 0, 0, 0, Map.of(), Traffic.NONE, 0, MotionCounts.NONE),
        Duration.ofSeconds(10), Duration.ofSeconds(2));
    assertThat(progress).contains("connected=11/12 sent=500 acked=498 failed=2 249.0/s", "camera 49.0/s", "sensor 200.0/s",
        "motion 5 clips=4 failed=1");
  }


  @Test
  void durationsTakeUnitsAndABareNumberIsSeconds() {
    assertThat(SimOptions.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(SimOptions.parseDuration("5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(SimOptions.parseDuration("7")).isEqualTo(Duration.ofSeconds(7));
    assertThat(SimOptions.parseDuration("3m")).isEqualTo(Duration.ofMinutes(3));
    assertThat(SimOptions.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
    assertThatThrownBy(() -> SimOptions.parseDuration("5 seconds")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void badArgumentsPrintTheReasonAndUsageAndExitWithTwo() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int exitCode = FleetSim.run(new String[] {"--devices", "0", "--mqtt", "tcp://127.0.0.1:1"},
        new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8), false);

    assertThat(exitCode).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--devices needs a positive whole number, not 0")
        .contains("usage: fleet-sim");
  }

  @Test
  void theBrokerIsATcpOrMqttUrl() {
    assertThat(MqttEndpoint.parse("tcp://127.0.0.1:1883")).isEqualTo(new MqttEndpoint("127.0.0.1", 1883));
    assertThat(MqttEndpoint.parse("mqtt://broker.example")).isEqualTo(new MqttEndpoint("broker.example", 1883));
    assertThatThrownBy(() -> MqttEndpoint.parse("http://127.0.0.1:1883")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SimOptions.parse(new String[] {"--mqtt", "127.0.0.1"}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
