package io.fleet.agent.sim;

import static java.time.Duration.ofMillis;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import io.fleet.agent.sim.TopicRecorder.Message;
import io.fleet.protocol.DeviceKind;
import io.fleet.protocol.Topics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Virtual devices against real brokers: the embedded HiveMQ always, and the broker at {@code FLEET_IT_MQTT_URL}
 * (Mosquitto in CI) when set. Device ids carry a random prefix per test, since a shared broker keeps retained
 * messages between runs; the retained status messages a test created are deleted after it.
 */
class SimulatedFleetIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static EmbeddedHiveMq hivemq;

  private final String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "-";
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @BeforeAll
  static void startBroker() throws Exception {
    hivemq = EmbeddedHiveMq.start();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    hivemq.stop();
  }

  static Stream<Named<String>> brokers() {
    Named<String> embedded = Named.of("embedded HiveMQ", hivemq.url());
    String external = System.getenv("FLEET_IT_MQTT_URL");
    return external == null || external.isBlank()
        ? Stream.of(embedded)
        : Stream.of(embedded, Named.of(external, external));
  }

  static Stream<Arguments> brokersAndVersions() {
    return brokers().flatMap(broker -> Stream.of(MqttVersion.values()).map(v -> Arguments.of(broker, v)));
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokers")
  void everyDeviceSendsWellFormedHeartbeatsAndItsAcksCountWhatSubscribersReceived(String url) throws Exception {
    Instant before = Instant.now();
    TopicRecorder recorder = record(url, "fleet/+/heartbeat");
    SimulatedFleet fleet = start(url, devices(50).households(10));

    assertThat(fleet.deviceIds()).hasSize(50).startsWith(prefix + "0000").endsWith(prefix + "0049");
    await().untilAsserted(() -> assertThat(recorder.countsByDevice("heartbeat").keySet())
        .containsExactlyInAnyOrderElementsOf(fleet.deviceIds()));
    for (Message heartbeat : recorder.messages("heartbeat")) {
      assertWellFormed(heartbeat, fleet.device(heartbeat.deviceId()), before);
    }
    assertThat(fleet.devices()).extracting(VirtualDevice::kind).contains(DeviceKind.values());
    assertThat(fleet.devices()).extracting(VirtualDevice::household).containsOnly(
        Stream.iterate(1, n -> n + 1).limit(10).map(n -> "household-" + n).toArray(String[]::new));

    fleet.devices().forEach(VirtualDevice::silence);
    await().untilAsserted(() -> assertThat(fleet.devices()).allSatisfy(device ->
        assertThat(device.heartbeatsAcked() + device.heartbeatsFailed()).isEqualTo(device.heartbeatsSent())));
    assertThat(fleet.stats().heartbeatsFailed()).isZero();
    await().untilAsserted(() -> assertThat(recorder.countsByDevice("heartbeat"))
        .isEqualTo(byId(fleet.devices(), VirtualDevice::heartbeatsAcked)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokers")
  void eachDeviceOnlineStatusIsRetained(String url) throws Exception {
    SimulatedFleet fleet = start(url, devices(50));

    TopicRecorder lateSubscriber = record(url, "fleet/+/status");

    await().untilAsserted(() -> assertThat(lateSubscriber.messages("status"))
        .allSatisfy(status -> assertThat(status.retained()).isTrue())
        .extracting(Message::deviceId)
        .containsExactlyInAnyOrderElementsOf(fleet.deviceIds()));
    assertThat(lateSubscriber.messages("status")).extracting(Message::payload).containsOnly(Topics.ONLINE);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("brokers")
  void aSilencedDeviceStopsItsHeartbeatsWhileTheOthersGoOn(String url) throws Exception {
    TopicRecorder recorder = record(url, "fleet/+/heartbeat");
    SimulatedFleet fleet = start(url, devices(50).heartbeatInterval(ofMillis(500)));
    VirtualDevice quiet = fleet.device(prefix + "0000");
    await().until(() -> recorder.countsByDevice("heartbeat").size() == 50);

    quiet.silence();
    await().until(() -> quiet.heartbeatsAcked() == quiet.heartbeatsSent()
        && recorder.messages(quiet.id(), "heartbeat").size() == quiet.heartbeatsAcked());
    long sentWhenSilenced = quiet.heartbeatsSent();
    Map<String, Long> receivedWhenSilenced = recorder.countsByDevice("heartbeat");

    await().untilAsserted(() -> assertThat(fleet.devices()).filteredOn(device -> device != quiet)
        .allSatisfy(other -> assertThat(recorder.messages(other.id(), "heartbeat"))
            .hasSizeGreaterThanOrEqualTo(receivedWhenSilenced.get(other.id()).intValue() + 2)));
    assertThat(quiet.heartbeatsSent()).isEqualTo(sentWhenSilenced);
    assertThat(recorder.messages(quiet.id(), "heartbeat")).hasSize(receivedWhenSilenced.get(quiet.id()).intValue());
    assertThat(quiet.isConnected()).isTrue();

    quiet.resume();
    await().untilAsserted(() -> assertThat(recorder.messages(quiet.id(), "heartbeat"))
        .hasSizeGreaterThan(receivedWhenSilenced.get(quiet.id()).intValue()));
  }

  @ParameterizedTest(name = "{0} over MQTT {1}")
  @MethodSource("brokersAndVersions")
  void aDeviceLeavingWithItsWillAndDevicesClosingCleanlyAreReportedOfflineRetained(String url, MqttVersion version)
      throws Exception {
    TopicRecorder recorder = record(url, "fleet/+/status");
    SimulatedFleet fleet = start(url, devices(5).mqttVersion(version));
    await().untilAsserted(() -> assertThat(recorder.latestByDevice("status"))
        .containsOnlyKeys(fleet.deviceIds()).containsValues(Topics.ONLINE).doesNotContainValue(Topics.OFFLINE));
    VirtualDevice gone = fleet.device(prefix + "0000");

    gone.disconnectWithWill().get(10, TimeUnit.SECONDS);

    await().untilAsserted(() -> assertThat(recorder.latestByDevice("status")).containsEntry(gone.id(), Topics.OFFLINE));
    assertThat(gone.isConnected()).isFalse();
    assertThat(recorder.latestByDevice("status")).isEqualTo(fleet.deviceIds().stream().collect(Collectors.toMap(
        id -> id, id -> id.equals(gone.id()) ? Topics.OFFLINE : Topics.ONLINE)));

    fleet.close();

    await().untilAsserted(() -> assertThat(recorder.latestByDevice("status").values())
        .hasSize(5).containsOnly(Topics.OFFLINE));
    TopicRecorder lateSubscriber = record(url, "fleet/+/status");
    await().untilAsserted(() -> assertThat(lateSubscriber.messages("status"))
        .allSatisfy(status -> assertThat(status.retained()).isTrue())
        .extracting(Message::deviceId, Message::payload)
        .containsExactlyInAnyOrderElementsOf(fleet.deviceIds().stream()
            .map(id -> tuple(id, Topics.OFFLINE)).toList()));
    assertThat(gone.connections()).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} over MQTT {1}")
  @MethodSource("brokersAndVersions")
  void aDeviceThatLostPowerSaysOnlineAgainWhenPoweredOn(String url, MqttVersion version) throws Exception {
    TopicRecorder recorder = record(url, "fleet/+/status");
    SimulatedFleet fleet = start(url, devices(2).mqttVersion(version));
    VirtualDevice device = fleet.device(prefix + "0000");
    device.disconnectWithWill().get(10, TimeUnit.SECONDS);
    await().untilAsserted(() -> assertThat(recorder.latestByDevice("status")).containsEntry(device.id(), Topics.OFFLINE));

    device.powerOn().get(10, TimeUnit.SECONDS);

    await().untilAsserted(() -> assertThat(recorder.latestByDevice("status")).containsEntry(device.id(), Topics.ONLINE));
    assertThat(device.isConnected()).isTrue();
    assertThat(device.connections()).isEqualTo(2);
    long sent = device.heartbeatsSent();
    await().untilAsserted(() -> assertThat(device.heartbeatsSent()).isGreaterThan(sent));
    fleet.close();
  }

  @Test
  void devicesReconnectAfterTheBrokerRestartsAndSayOnlineAgain() throws Exception {
    String url = hivemq.url();
    SimulatedFleet fleet = start(url, devices(5).reconnectBackoff(ofMillis(200), ofSeconds(1)));
    assertThat(fleet.devices()).allSatisfy(device -> assertThat(device.connections()).isEqualTo(1));

    hivemq.restart();

    await().atMost(ofSeconds(15)).untilAsserted(() -> assertThat(fleet.devices()).allSatisfy(device -> {
      assertThat(device.connections()).isEqualTo(2);
      assertThat(device.isConnected()).isTrue();
    }));
    // The broker kept nothing in memory: what arrives now was published after the reconnect.
    TopicRecorder recorder = record(url, "fleet/+/status", "fleet/+/heartbeat");
    await().untilAsserted(() -> {
      assertThat(recorder.latestByDevice("status")).containsOnlyKeys(fleet.deviceIds()).containsValues(Topics.ONLINE);
      assertThat(recorder.countsByDevice("heartbeat")).containsOnlyKeys(fleet.deviceIds());
    });
  }

  @Test
  void devicesLogInWithTheirOwnIdAndPasswordAndAWrongPasswordFailsTheStart() throws Exception {
    String url = hivemq.url();
    TopicRecorder recorder = record(url, "fleet/+/heartbeat");
    SimulatedFleet fleet = start(url, devices(3).credentials(EmbeddedHiveMq.PASSWORDS));
    await().until(() -> recorder.countsByDevice("heartbeat").size() == 3);

    SimulatedFleet.Builder impostors = SimulatedFleet.builder().mqtt(url).idPrefix(prefix + "x-").devices(3)
        .credentials(deviceId -> "guessed").connectTimeout(ofSeconds(20));
    long startedAt = System.nanoTime();
    assertThatThrownBy(impostors::start)
        .isInstanceOf(IllegalStateException.class)
        .hasCauseInstanceOf(Mqtt5ConnAckException.class);
    assertThat(ofMillis(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt)))
        .as("refused for good, not retried until the timeout").isLessThan(ofSeconds(20));
    assertThat(fleet.stats().connected()).isEqualTo(3);
  }

  @Test
  void theCommandLineRunsAFleetPrintingProgressAndASummary() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int exitCode = FleetSim.run(new String[] {"--mqtt", hivemq.url(), "--devices", "5", "--id-prefix", prefix,
        "--interval", "1s", "--duration", "2s", "--progress", "1s"},
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), false);

    String printed = out.toString(StandardCharsets.UTF_8);
    assertThat(exitCode).as(err.toString(StandardCharsets.UTF_8)).isZero();
    assertThat(printed).contains("starting 5 devices on tcp://127.0.0.1:", "started 5 devices in ")
        .containsPattern("t=\\d+s connected=5/5 sent=\\d+ acked=\\d+ failed=0")
        .contains("summary after 2 s: 5 devices, 5 connected")
        .containsPattern("all +5 +[1-9]\\d* +[1-9]\\d* +0 ");
  }

  private SimulatedFleet start(String url, SimulatedFleet.Builder builder) {
    SimulatedFleet fleet = builder.mqtt(url).idPrefix(prefix).start();
    cleanup.add(() -> {
      fleet.close();
      try (TopicRecorder client = TopicRecorder.subscribe(url, prefix)) {
        client.clearRetained(fleet.deviceIds().stream().map(Topics::status).toList());
      }
    });
    return fleet;
  }

  private static SimulatedFleet.Builder devices(int count) {
    return SimulatedFleet.builder().devices(count).heartbeatInterval(ofSeconds(1));
  }

  private TopicRecorder record(String url, String... topicFilters) throws Exception {
    TopicRecorder recorder = TopicRecorder.subscribe(url, prefix, topicFilters);
    cleanup.add(recorder);
    return recorder;
  }

  private static void assertWellFormed(Message heartbeat, VirtualDevice device, Instant notBefore) throws Exception {
    JsonNode json = JSON.readTree(heartbeat.payload());
    assertThat(json.fieldNames()).toIterable().containsExactlyInAnyOrder(
        "ts", "battery", "rssi", "firmware", "uptime_s", "interval_s", "type", "household");
    assertThat(Instant.parse(json.get("ts").textValue())).isBetween(notBefore, Instant.now());
    assertThat(json.get("battery").isInt()).isTrue();
    assertThat(json.get("battery").intValue()).isBetween(0, 100);
    assertThat(json.get("rssi").isInt()).isTrue();
    assertThat(json.get("rssi").intValue()).isBetween(-100, -30);
    assertThat(json.get("firmware").textValue()).isEqualTo("1.4.2");
    assertThat(json.get("uptime_s").isIntegralNumber()).isTrue();
    assertThat(json.get("uptime_s").longValue()).isNotNegative();
    assertThat(json.get("interval_s").intValue()).isEqualTo(1);
    assertThat(json.get("type").textValue()).isEqualTo(device.kind().wireName());
    assertThat(json.get("household").textValue()).isEqualTo(device.household());
  }

  private static <T> Map<String, T> byId(Collection<VirtualDevice> devices, Function<VirtualDevice, T> value) {
    return devices.stream().collect(Collectors.toMap(VirtualDevice::id, value));
  }

  @Test
  void theCommandLineRunsEachKindAtItsOwnRateAndItsSummaryCountsWhatASubscriberReceived() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TopicRecorder recorder = TopicRecorder.subscribe(hivemq.url(), prefix, "fleet/+/+", "owntracks/+/+")) {
      int exit = FleetSim.run(new String[] {
        "--mqtt", hivemq.url(), "--cameras", "2", "--sensors", "3", "--trackers", "1", "--id-prefix", prefix,
        "--interval", "500ms", "--tracker-interval", "250ms", "--duration", "3s", "--progress", "1s"},
        new PrintStream(out, true, StandardCharsets.UTF_8), System.err, false);
      String printed = out.toString(StandardCharsets.UTF_8);

      assertThat(exit).as(printed).isZero();
      assertThat(printed).contains("started 6 devices").contains("connected=6/6")
          .containsPattern("camera +2 ").containsPattern("sensor +3 ").containsPattern("tracker +1 ");
      List<String> cameras = ids(prefix, 0, 2);
      List<String> sensors = ids(prefix, 2, 5);
      List<String> trackers = ids(prefix, 5, 6);
      long acked = acknowledged(printed);
      await("every acknowledged message at the subscriber").atMost(Duration.ofSeconds(30))
          .until(() -> recorder.messages(null).size() >= acked);
      assertThat(recorder.messages(null)).hasSize((int) acked);
      assertThat(recorder.countsByDevice("heartbeat")).containsOnlyKeys(concat(cameras, sensors, trackers));
      assertThat(recorder.countsByDevice("telemetry")).containsOnlyKeys(sensors);
      assertThat(recorder.countsByDevice("phone")).containsOnlyKeys(trackers);
      assertThat(recorder.messages(trackers.get(0), "phone").size())
          .as("a tracker at 250 ms sends more than a camera at 500 ms")
          .isGreaterThan(recorder.messages(cameras.get(0), "heartbeat").size());
      recorder.clearRetained(concat(cameras, sensors, trackers).stream().map(Topics::status).toList());
    }
  }

  private static long acknowledged(String printed) {
    Matcher all = Pattern.compile("\\n +all +\\d+ +\\d+ +(\\d+) +0 ").matcher(printed);
    assertThat(all.find()).as("the summary's 'all' row in%n%s", printed).isTrue();
    return Long.parseLong(all.group(1));
  }

  private static List<String> ids(String prefix, int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> String.format("%s%04d", prefix, i)).toList();
  }

  @SafeVarargs
  private static List<String> concat(List<String>... lists) {
    return Arrays.stream(lists).flatMap(List::stream).toList();
  }
}
