package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleet.agent.sim.DevicePlan;
import io.fleet.agent.sim.FleetStats;
import io.fleet.agent.sim.MalformedMessage;
import io.fleet.agent.sim.Misbehaviour;
import io.fleet.agent.sim.SimulatedFleet;
import io.fleet.agent.sim.VirtualDevice;
import io.fleet.credentials.DerivedPasswords;
import io.fleet.infra.Endpoints;
import io.fleet.infra.IngestHeaders;
import io.fleet.protocol.DeviceKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A simulated fleet in which one device in ten misbehaves — broken JSON, oversized payloads, wrong types,
 * an unknown device (it has credentials but was never registered; auto-registration is off), wrong
 * credentials — against a running Fleet. Every malformed message the broker acknowledged (the simulator's
 * ground truth) is in {@code fleet.dead-letters} with the reason expected for it and its original bytes; no
 * well-behaved device has a dead letter; the wrong credentials were refused at the broker; and every
 * well-behaved device is online in the fleet, which holds exactly the registered devices. On the embedded
 * servers only: the refusal of wrong credentials needs a broker that checks Fleet's device passwords.
 */
class MisbehavingDevicesIT {
  private static final String SECRET = "misbehaving-devices-it";

  @Test
  void everyMalformedMessageIsDeadLetteredWithItsReasonAndEveryGoodDeviceIsOnline(@TempDir Path dataDir) throws Exception {
    try (FleetApp app = FleetApp.start(new TestServers("embedded", null, null).config(dataDir, TestServers.uniqueSchema(),
        Map.of("fleet.device-secret", SECRET, "fleet.device.auto-register", false)))) {
      Endpoints e = app.node().endpoints();
      ApiClient api = new ApiClient(app.baseUrl(), app.operatorToken());
      String prefix = "mis-" + UUID.randomUUID().toString().substring(0, 6) + "-";
      SimulatedFleet.Builder builder = SimulatedFleet.builder()
          .mqtt(e.mqttUrl())
          .credentials(new DerivedPasswords(SECRET)::passwordFor)
          .cameras(40).sensors(40).trackers(20).idPrefix(prefix)
          .households(5)
          .heartbeatInterval(Duration.ofSeconds(2))
          .telemetry(true)
          .misbehaving(0.1);
      List<DevicePlan> plan = builder.plan();
      Map<Misbehaviour, Long> planned = plan.stream().filter(d -> d.misbehaviour() != null)
          .collect(Collectors.groupingBy(DevicePlan::misbehaviour, Collectors.counting()));
      assertThat(planned).as("two devices of each misbehaviour").hasSize(Misbehaviour.values().length).containsOnlyKeys(Misbehaviour.values())
          .allSatisfy((m, n) -> assertThat(n).isEqualTo(2));
      List<DevicePlan> registered = plan.stream()
          .filter(d -> d.misbehaviour() != Misbehaviour.UNKNOWN_DEVICE && d.misbehaviour() != Misbehaviour.WRONG_CREDENTIALS).toList();
      for (DevicePlan d : registered) {
        ApiClient.Response r = api.post("/api/devices", "{\"deviceId\":\"" + d.id() + "\",\"type\":\"" + d.kind().wireName()
            + "\",\"household\":\"" + d.household() + "\"}");
        assertThat(r.status()).as(r.text()).isEqualTo(201);
      }

      DeadLetterReader letters = new DeadLetterReader(e.kafkaBootstrap(), app.node().ingestSettings().deadLettersTopic(), prefix);
      try (letters) {
        SimulatedFleet fleet = builder.start();
        List<VirtualDevice> good;
        try (fleet) {
          good = fleet.devices().stream().filter(d -> d.misbehaviour() == null).toList();
          await("a few malformed messages from every misbehaving device that got in").atMost(Duration.ofSeconds(60))
              .until(() -> fleet.misbehavingDevices().stream()
                  .filter(d -> d.misbehaviour() != Misbehaviour.WRONG_CREDENTIALS)
                  .allMatch(d -> count(fleet.malformedMessages(), d.id()) >= 3));
          await("every good device heard and online in the fleet").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
              .until(() -> good.stream().allMatch(d -> d.heartbeatsAcked() > 0)
                  && api.statuses("q=" + prefix).entrySet().stream().filter(s -> s.getValue().equals("online"))
                      .map(Map.Entry::getKey).collect(Collectors.toSet()).containsAll(ids(good)));
          FleetStats stats = fleet.stats();
          assertThat(stats.refused()).as("wrong credentials refused by the broker").isEqualTo(2);
          assertThat(fleet.misbehavingDevices()).filteredOn(d -> d.misbehaviour() == Misbehaviour.WRONG_CREDENTIALS)
              .allSatisfy(d -> assertThat(d.wasRefused()).isTrue());
          assertThat(stats.wellBehaved().failed()).isZero();
          assertThat(stats.wellBehaved().devices()).isEqualTo(90);
          assertThat(stats.misbehaving().devices()).isEqualTo(10);
        }
        // Closed: the unknown devices' goodbyes are in the ground truth too.
        List<MalformedMessage> truth = fleet.malformedMessages();
        assertThat(truth).extracting(MalformedMessage::expectedReason)
            .contains("malformed-json", "oversized", "invalid-message", "unknown-device");
        await("every malformed message dead-lettered").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
            .untilAsserted(() -> {
              letters.poll();
              assertThat(missing(truth, letters.seen())).as("malformed messages without their dead letter").isEmpty();
            });
        assertThat(letters.seen()).as("no dead letter for a well-behaved device")
            .noneMatch(l -> ids(good).contains(l.key()));
        assertThat(letters.seen()).extracting(Letter::reason).as("no dead letter of another kind")
            .containsOnly("malformed-json", "oversized", "invalid-message", "unknown-device");

        JsonNode summary = api.get("/api/fleet/summary").body();
        assertThat(summary.get("devices").asLong()).as("only the registered devices are in the fleet").isEqualTo(registered.size());
        for (VirtualDevice outsider : fleet.misbehavingDevices()) {
          if (outsider.misbehaviour() == Misbehaviour.UNKNOWN_DEVICE || outsider.misbehaviour() == Misbehaviour.WRONG_CREDENTIALS) {
            assertThat(api.get("/api/devices/" + outsider.id()).status()).as(outsider.id()).isEqualTo(404);
          }
        }
        assertThat(api.get("/metrics").text()).contains("fleet_dead_letters_total{reason=\"unknown-device\"}")
            .contains("fleet_dead_letters_total{reason=\"oversized\"}")
            .contains("fleet_dead_letters_total{reason=\"malformed-json\"}")
            .contains("fleet_dead_letters_total{reason=\"invalid-message\"}");
        assertThat(summary.path("byType").path(DeviceKind.CAMERA.wireName()).asLong()).isEqualTo(
            registered.stream().filter(d -> d.kind() == DeviceKind.CAMERA).count());
      }
    }
  }

  /** The ground-truth messages for which no dead letter with the same device, topic, bytes and expected reason exists. */
  private static List<MalformedMessage> missing(List<MalformedMessage> truth, Collection<Letter> letters) {
    Map<String, Long> available = letters.stream().collect(Collectors.groupingBy(Letter::match, Collectors.counting()));
    Map<String, Long> needed = truth.stream().collect(Collectors.groupingBy(MisbehavingDevicesIT::match, Collectors.counting()));
    Map<String, MalformedMessage> example = truth.stream().collect(Collectors.toMap(MisbehavingDevicesIT::match, Function.identity(), (a, b) -> a));
    List<MalformedMessage> out = new ArrayList<>();
    needed.forEach((key, n) -> {
      if (available.getOrDefault(key, 0L) < n) out.add(example.get(key));
    });
    return out;
  }

  private static String match(MalformedMessage m) {
    return m.deviceId() + " " + m.topic() + " " + m.sha256() + " " + m.expectedReason();
  }

  private static long count(List<MalformedMessage> truth, String deviceId) {
    return truth.stream().filter(m -> m.deviceId().equals(deviceId)).count();
  }

  private static Set<String> ids(List<VirtualDevice> devices) {
    return devices.stream().map(VirtualDevice::id).collect(Collectors.toSet());
  }

  /** A dead letter as the test compares it: whose, from which MQTT topic, why, and its bytes' digest. */
  record Letter(String key, String topic, String reason, String sha256) {
    String match() {
      return key + " " + topic + " " + sha256 + " " + reason;
    }
  }

  /** Reads {@code fleet.dead-letters} from the start, keeping the letters of this run's devices. */
  private static final class DeadLetterReader implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final String prefix;
    private final Collection<Letter> seen = new ConcurrentLinkedQueue<>();

    DeadLetterReader(String bootstrap, String topic, String prefix) {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ConsumerConfig.GROUP_ID_CONFIG, "it-misbehaving-" + UUID.randomUUID());
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
      p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024);
      this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
      this.prefix = prefix;
      consumer.subscribe(List.of(topic));
    }

    void poll() {
      consumer.poll(Duration.ofMillis(300)).forEach(r -> {
        if (r.key() == null || !r.key().startsWith(prefix)) return;
        String source = IngestHeaders.get(r.headers(), IngestHeaders.SOURCE).orElse("");
        String topic = source.startsWith("mqtt:") ? source.substring(5).split(" ", 2)[0] : source;
        seen.add(new Letter(r.key(), topic, IngestHeaders.get(r.headers(), IngestHeaders.REASON).orElse("?"),
            MalformedMessage.sha256(r.value())));
      });
    }

    Collection<Letter> seen() {
      return List.copyOf(seen);
    }

    @Override
    public void close() {
      consumer.close();
    }
  }
}
