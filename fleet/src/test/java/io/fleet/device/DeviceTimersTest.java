package io.fleet.device;

import static io.fleet.device.DeviceTesting.beat;
import static io.fleet.device.DeviceTesting.newDeviceId;
import static io.fleet.device.DeviceTesting.register;
import static io.fleet.device.DeviceTesting.send;
import static io.fleet.device.DeviceTesting.view;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fleet.device.DeviceEvent.WentOffline;
import io.fleet.infra.IngestProgress;
import io.fleet.metrics.FleetMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Offline detection, passivation and stopping: the device's timers, on a 1-second heartbeat interval. */
class DeviceTimersTest {
  private static final ActorTestKit testKit = ActorTestKit.create(DeviceTesting.CONFIG);
  /** 3 missed heartbeats of 1s: a silent device is offline 3s after it was last seen. */
  private static final DeviceSettings FAST =
      DeviceTesting.settings("device { offline-after-missed = 3, passivate-after = 300ms, restart-grace = 0s }");
  private static final DeviceRegistration SENSOR = new DeviceRegistration(DeviceType.SENSOR, "Attic", null, null);

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aSilentDeviceGoesOfflineAfterMissingOfflineAfterMissedHeartbeats() {
    String id = newDeviceId();
    var device = DeviceTesting.device(testKit, id, FAST);
    register(device, SENSOR);
    Instant lastSeen = Instant.now();
    send(device, beat(lastSeen, null, null, 1));

    await().pollInSameThread().atLeast(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(6))
        .until(() -> view(device).status() == ConnectionState.OFFLINE);

    Object last = lastPersisted(device, id);
    assertThat(last).isInstanceOf(WentOffline.class);
    assertThat(((WentOffline) last).reason()).isEqualTo(OfflineReason.SILENT);
    assertThat(((WentOffline) last).lastSeen()).isEqualTo(lastSeen);
    assertThat(view(device).lastSeen()).isEqualTo(lastSeen);
  }

  @Test
  void aDeviceHeardOnlyThroughHeartbeatsTakenWithoutItsEntityStaysOnlineAndGoesOfflineOnceTheyStop() {
    String id = newDeviceId();
    var device = DeviceTesting.device(testKit, id, FAST);
    register(device, SENSOR);
    Instant first = Instant.now();
    send(device, beat(first, null, null, 1));
    SteadyHeartbeats steady = SteadyHeartbeats.get(testKit.system());
    List<Instant> taken = new ArrayList<>();

    // A heartbeat every 200 ms for 5 s, longer than the 3 s silence window, none of them a message to the entity.
    await().pollInSameThread().pollInterval(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10)).until(() -> {
      Instant now = Instant.now();
      if (steady.absorb(id, beat(now, null, null, 1))) taken.add(now);
      assertThat(view(device).status()).as("online while heard").isEqualTo(ConnectionState.ONLINE);
      return Duration.between(first, now).toMillis() > 5000;
    });
    assertThat(taken).hasSizeGreaterThan(15);

    await().pollInSameThread().atMost(Duration.ofSeconds(6)).until(() -> view(device).status() == ConnectionState.OFFLINE);
    assertThat(((WentOffline) lastPersisted(device, id)).lastSeen()).isEqualTo(taken.get(taken.size() - 1));
  }

  @Test
  void aSilentDeviceIsNotJudgedOfflineWhileTheIngestPathIsBehindItsDeadlineAndIsOnceItCatchesUp() {
    String id = newDeviceId();
    IngestProgress progress = IngestProgress.get(testKit.system());
    progress.route(deviceId -> deviceId.equals(id) ? 7 : -1, deviceId -> 0);
    var device = DeviceTesting.device(testKit, id, FAST);
    register(device, SENSOR);
    Instant lastSeen = Instant.now();
    // Fleet has handled its broker's messages only up to now: whatever the device sent later may still come.
    progress.heard(7, 0, lastSeen);
    send(device, beat(lastSeen, null, null, 1));

    await().pollInSameThread().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(6))
        .until(() -> view(device).status() == ConnectionState.ONLINE);
    progress.heard(7, 0, Instant.now());
    await().pollInSameThread().atMost(Duration.ofSeconds(3))
        .until(() -> view(device).status() == ConnectionState.OFFLINE);
    assertThat(((WentOffline) lastPersisted(device, id)).lastSeen()).isEqualTo(lastSeen);
  }

  @Test
  void afterARestartAnOnlineDeviceGetsAFullSilenceWindowBeforeItIsMarkedOffline() {
    String id = newDeviceId();
    var device = DeviceTesting.device(testKit, id, FAST);
    register(device, SENSOR);
    // Last heard from long ago, as when the node was down for a while: only a new window is fair.
    send(device, beat(Instant.now().minusSeconds(60), null, null, 1));

    device.restart();

    await().pollInSameThread().during(Duration.ofSeconds(2)).atMost(Duration.ofMillis(2500))
        .until(() -> view(device).status() == ConnectionState.ONLINE);
    await().pollInSameThread().atMost(Duration.ofSeconds(3))
        .until(() -> view(device).status() == ConnectionState.OFFLINE);
  }

  @Test
  void afterARestartAnOnlineDeviceStaysOnlineThroughTheRestartGraceWhenItIsLongerThanTheWindow() {
    String id = newDeviceId();
    DeviceSettings graceful = DeviceTesting.settings("device { offline-after-missed = 3, restart-grace = 5s }");
    var device = DeviceTesting.device(testKit, id, graceful);
    register(device, SENSOR);
    send(device, beat(Instant.now().minusSeconds(60), null, null, 1));

    device.restart();

    await().pollInSameThread().during(Duration.ofMillis(4500)).atMost(Duration.ofSeconds(5))
        .until(() -> view(device).status() == ConnectionState.ONLINE);
    await().pollInSameThread().atMost(Duration.ofSeconds(3))
        .until(() -> view(device).status() == ConnectionState.OFFLINE);
  }

  @Test
  void anOfflineDeviceAsksItsShardToPassivateItOnceIdle() {
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
    var device = DeviceTesting.device(testKit, newDeviceId(), FAST, Optional.of(shard.ref()));

    register(device, SENSOR);

    shard.expectMessageClass(ClusterSharding.Passivate.class, Duration.ofSeconds(2));
  }

  @Test
  void anEntityAskedSomethingMoreOftenThanItsIdleTimeIsNotPassivatedUntilTheAskingStops() {
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
    var device = DeviceTesting.device(testKit, newDeviceId(), FAST, Optional.of(shard.ref()));
    register(device, SENSOR);
    // A view every 100 ms for 1.2 s, four times the 300 ms passivate-after: never idle that long.
    Instant lastAsked = null;
    for (int i = 0; i < 12; i++) {
      lastAsked = Instant.now();
      view(device);
      shard.expectNoMessage(Duration.ofMillis(100));
    }

    shard.expectMessageClass(ClusterSharding.Passivate.class, Duration.ofSeconds(2));
    assertThat(Duration.between(lastAsked, Instant.now())).as("idle a full passivate-after")
        .isGreaterThanOrEqualTo(Duration.ofMillis(290));
  }

  @Test
  void anOnlineDeviceStaysAwakeWhileItsNodeCannotParkIt() {
    // Nothing here wakes a parked device (sharding does, on a node): parking would leave it unwatched.
    DeviceSettings parking = DeviceTesting.settings(
        "device { offline-after-missed = 3, passivate-after = 300ms, park-after = 300ms, restart-grace = 0s }");
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
    var device = DeviceTesting.device(testKit, newDeviceId(), parking, Optional.of(shard.ref()));
    register(device, SENSOR);
    send(device, beat(Instant.now(), null, null, 60));

    shard.expectNoMessage(Duration.ofMillis(700));
  }

  @Test
  void stopStopsTheEntityAndItIsCountedWhileAlive() {
    FleetMetrics metrics = FleetMetrics.get(testKit.system());
    long before = metrics.entitiesAlive();
    ActorRef<Device.Command> device = testKit.spawn(Device.create(newDeviceId(), FAST, Optional.empty()));
    await().atMost(Duration.ofSeconds(2)).until(() -> metrics.entitiesAlive() == before + 1);
    TestProbe<Object> watcher = testKit.createTestProbe();

    device.tell(Device.Stop.INSTANCE);

    watcher.expectTerminated(device, Duration.ofSeconds(2));
    assertThat(metrics.entitiesAlive()).isEqualTo(before);
  }

  /** The last health event persisted (alerts, tested in MotionTest, may follow it). */
  private static Object lastPersisted(
      EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device, String id) {
    var events = device.persistenceTestKit().persistedInStorage("Device|" + id).stream()
        .filter(e -> !(e instanceof DeviceEvent.AlertRaised)).toList();
    return events.get(events.size() - 1);
  }
}
