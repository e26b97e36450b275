package io.fleet.device;

import static io.fleet.device.DeviceTesting.beat;
import static io.fleet.device.DeviceTesting.newDeviceId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fleet.CborSerializable;
import io.fleet.device.DeviceEvent.WentOffline;
import io.fleet.device.DeviceState.Vitals;
import io.fleet.device.SteadyHeartbeats.Seen;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Parking: an online device whose entity has nothing to do keeps only its row on its node ({@link SteadyHeartbeats});
 * its steady heartbeats are taken there (their last seen for the read side), and when it falls silent the row hands
 * it back to its entity shortly before the deadline of the last heartbeat taken, and the entity judges it offline at it.
 */
class ParkedDevicesTest {
  private static final ActorTestKit testKit = ActorTestKit.create(DeviceTesting.CONFIG);
  /** Parked after 300 ms with nothing to do; a heartbeat interval of 1 s means silent for 3 s is offline. */
  private static final DeviceSettings PARKING = DeviceTesting.settings(
      "device { offline-after-missed = 3, park-after = 300ms, restart-grace = 0s }");
  private static final DeviceRegistration SENSOR = new DeviceRegistration(DeviceType.SENSOR, "Attic", null, null);

  private static final SteadyHeartbeats steady = SteadyHeartbeats.get(testKit.system());
  /** What the node's deadline timer hands back to entities (sharding, on a node). */
  private static final TestProbe<Woken> woken = testKit.createTestProbe();

  /** Through the probe, so serialized as a message between nodes would be. */
  record Woken(String deviceId, Vitals heard) implements CborSerializable {}

  @BeforeAll
  static void wakeIntoProbe() {
    steady.wakeThrough((id, heard) -> woken.ref().tell(new Woken(id, heard)));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** A registered sensor's entity in a shard ({@code shard}), heard at {@code at} with this interval. */
  private static ActorRef<Device.Command> online(String id, TestProbe<ClusterSharding.ShardCommand> shard, Instant at,
      int intervalS) {
    ActorRef<Device.Command> device = testKit.spawn(Device.create(id, PARKING, Optional.of(shard.ref())));
    TestProbe<StatusReply<DeviceView>> registered = testKit.createTestProbe();
    device.tell(new Device.Register(SENSOR, registered.ref()));
    assertThat(registered.receiveMessage().isSuccess()).isTrue();
    TestProbe<StatusReply<Done>> acked = testKit.createTestProbe();
    device.tell(new Device.RecordHeartbeat(beat(at, 80, "1.0", intervalS), acked.ref()));
    assertThat(acked.receiveMessage().isSuccess()).isTrue();
    return device;
  }

  /** A registered sensor heard at {@code at} (interval 60 s), then parked: its entity stopped as its shard asked. */
  private static void parked(String id, TestProbe<ClusterSharding.ShardCommand> shard, Instant at) {
    stoppedAsAsked(online(id, shard, at, 60), shard);
  }

  /** What sharding starts for the device when something is sent to it. */
  private static ActorRef<Device.Command> startedBySharding(String id, TestProbe<ClusterSharding.ShardCommand> shard) {
    return testKit.spawn(Device.create(id, PARKING, Optional.of(shard.ref())));
  }

  /** The shard was asked to stop the entity, and did: the entity is gone, its device parked. */
  private static void stoppedAsAsked(ActorRef<Device.Command> device, TestProbe<ClusterSharding.ShardCommand> shard) {
    shard.expectMessageClass(ClusterSharding.Passivate.class, Duration.ofSeconds(3));
    device.tell(Device.Stop.INSTANCE);
    testKit.createTestProbe().expectTerminated(device, Duration.ofSeconds(3));
  }

  @Test
  void anOnlineDeviceWithNothingToDoIsParkedAndItsEntityStopsLeavingItsRow() {
    String id = newDeviceId();
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    ActorRef<Device.Command> device = online(id, shard, t0, 60);

    stoppedAsAsked(device, shard);

    assertThat(steady.parked(id)).isTrue();
    assertThat(steady.absorb(id, beat(t0.plusSeconds(60), 80, "1.0", 60))).as("a steady heartbeat, entity stopped").isTrue();
    assertThat(steady.newest(id, Vitals.NONE).lastSeen()).isEqualTo(t0.plusSeconds(60));
  }

  @Test
  void aViewOfAParkedDeviceIsAnsweredFromItsRowAndLeavesItParkedWithoutStartingItsEntity() {
    String id = newDeviceId();
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    parked(id, shard, t0);
    assertThat(steady.absorb(id, beat(t0.plusSeconds(60), 70, "1.0", 60))).isTrue();

    ActorRef<Device.Command> front = startedBySharding(id, shard);
    TestProbe<StatusReply<DeviceView>> viewer = testKit.createTestProbe();
    front.tell(new Device.Get(viewer.ref()));

    DeviceView view = viewer.receiveMessage(Duration.ofSeconds(3)).getValue();
    assertThat(view.status()).isEqualTo(ConnectionState.ONLINE);
    assertThat(view.lastSeen()).as("the heartbeat taken by the row").isEqualTo(t0.plusSeconds(60));
    assertThat(view.battery()).isEqualTo(70);
    assertThat(view.name()).isEqualTo("Attic");
    stoppedAsAsked(front, shard);
    // A started entity would have recovered and armed its row awake.
    assertThat(steady.parked(id)).as("still parked: no entity ran").isTrue();
  }

  @Test
  void anythingButAViewSentToAParkedDeviceStartsItsEntityWithThatMessageFirst() {
    String id = newDeviceId();
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    parked(id, shard, t0);

    ActorRef<Device.Command> front = startedBySharding(id, shard);
    TestProbe<StatusReply<Done>> acked = testKit.createTestProbe();
    front.tell(new Device.RecordHeartbeat(beat(t0.plusSeconds(1), 10, "1.0", 60), acked.ref())); // battery low
    assertThat(acked.receiveMessage(Duration.ofSeconds(3)).isSuccess()).isTrue();
    TestProbe<StatusReply<DeviceView>> viewer = testKit.createTestProbe();
    front.tell(new Device.Get(viewer.ref()));

    assertThat(viewer.receiveMessage(Duration.ofSeconds(3)).getValue().battery()).isEqualTo(10);
    assertThat(steady.parked(id)).as("its entity runs and armed its row awake").isFalse();
  }

  @Test
  void aParkedDevicesHeartbeatWithLastSeenDueIsTakenAndItsLastSeenWaitsForTheReadSideOnce() {
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    String parked = newDeviceId();
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
    stoppedAsAsked(online(parked, shard, t0, 60), shard);
    String running = newDeviceId();
    online(running, testKit.createTestProbe(), t0, 60);
    // Past last-seen-persist-interval (60 s) since the journal's last seen.
    Instant due = t0.plusSeconds(61);

    assertThat(steady.absorb(running, beat(due, 80, "1.0", 60))).as("a running entity journals it").isFalse();
    assertThat(steady.absorb(parked, beat(due, 80, "1.0", 60))).as("a parked device's is taken").isTrue();

    List<Seen> first = steady.unwrittenSeen();
    assertThat(first).filteredOn(s -> s.deviceId().equals(parked))
        .containsExactly(new Seen(parked, due, 80, -60));
    assertThat(steady.unwrittenSeen()).as("handed out once").noneMatch(s -> s.deviceId().equals(parked));
    steady.stillUnwritten(first);
    assertThat(steady.unwrittenSeen()).as("handed back after a failed write").anyMatch(s -> s.deviceId().equals(parked));
  }

  @Test
  void aParkedDevicesHeartbeatThatChangesSomethingGoesToItsEntity() {
    String id = newDeviceId();
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    parked(id, shard, t0);

    assertThat(steady.absorb(id, beat(t0.plusSeconds(1), 10, "1.0", 60))).as("battery low").isFalse();
    assertThat(steady.absorb(id, beat(t0.plusSeconds(1), 80, "2.0", 60))).as("new firmware").isFalse();
    assertThat(steady.absorb(id, beat(t0.plusSeconds(1), 80, "1.0", 30))).as("another interval").isFalse();
  }

  @Test
  void aParkedDeviceThatFallsSilentIsHandedBackAheadOfItsDeadlineAndJudgedOfflineAtTheDeadlineOfItsLastHeartbeat() {
    String id = newDeviceId();
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
    stoppedAsAsked(online(id, shard, Instant.now(), 1), shard);
    Instant last = Instant.now();
    assertThat(steady.absorb(id, beat(last, 80, "1.0", 1))).isTrue();

    Woken handedBack = woken.fishForMessage(Duration.ofSeconds(6),
        w -> w.deviceId().equals(id) ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).get(0);
    Instant at = Instant.now();

    assertThat(Duration.between(last, at)).as("silent until one interval (1 s) before its 3 s deadline, not past it")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2)).isLessThan(Duration.ofSeconds(3));
    assertThat(handedBack.heard().lastSeen()).isEqualTo(last);
    assertThat(steady.parked(id)).as("forgotten here once handed back").isFalse();

    ActorRef<Device.Command> again = testKit.spawn(Device.create(id, PARKING, Optional.of(shard.ref())));
    again.tell(new Device.LookAtSilence(handedBack.heard()));

    PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
    await().atMost(Duration.ofSeconds(3)).until(() ->
        journal.persistedInStorage("Device|" + id).stream().anyMatch(WentOffline.class::isInstance));
    WentOffline offline = journal.persistedInStorage("Device|" + id).stream()
        .filter(WentOffline.class::isInstance).map(WentOffline.class::cast).findFirst().orElseThrow();
    assertThat(offline.reason()).isEqualTo(OfflineReason.SILENT);
    assertThat(offline.lastSeen()).as("the last heartbeat taken while parked").isEqualTo(last);
    assertThat(Duration.between(last, offline.at())).as("judged at its deadline, not before")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(3)).isLessThan(Duration.ofMillis(3500));
  }

  @Test
  void theSweepsLookAtADeviceUnheardSinceItsEntityRecoveredWaitsForTheRecoveryWindowAndNotLonger() {
    String id = newDeviceId();
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
    // Heard last 20 s ago (before its node went away): its journal says online.
    ActorRef<Device.Command> before = online(id, shard, Instant.now().minusSeconds(20), 1);
    before.tell(Device.Stop.INSTANCE);
    testKit.createTestProbe().expectTerminated(before, Duration.ofSeconds(3));
    PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());

    ActorRef<Device.Command> recovered = testKit.spawn(Device.create(id, PARKING, Optional.of(shard.ref())));
    Instant recoveredAt = Instant.now();
    recovered.tell(Device.LookAtSilence.unheard());

    await().atMost(Duration.ofSeconds(6)).until(() ->
        journal.persistedInStorage("Device|" + id).stream().anyMatch(WentOffline.class::isInstance));
    assertThat(Duration.between(recoveredAt, Instant.now())).as("not before the window a recovery gives (3 s)")
        .isGreaterThanOrEqualTo(Duration.ofMillis(2900));
  }

  @Test
  void anOnlineDeviceUnheardForItsWindowIsNotParkedItsEntityKeepsWatching() {
    String id = newDeviceId();
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();

    online(id, shard, Instant.now().minusSeconds(20), 1);

    shard.expectNoMessage(Duration.ofMillis(1000));
    assertThat(steady.parked(id)).isFalse();
  }

  @Test
  void aParkedDeviceHeardUntilItsDeadlineIsNotHandedBack() {
    String id = newDeviceId();
    TestProbe<ClusterSharding.ShardCommand> shard = testKit.createTestProbe();
    stoppedAsAsked(online(id, shard, Instant.now(), 1), shard);

    // Heard every half second for 4 s, past the 3 s window of its first heartbeat: a row handed back would be gone.
    for (int i = 0; i < 8; i++) {
      assertThat(steady.absorb(id, beat(Instant.now(), 80, "1.0", 1))).as("heartbeat %d taken", i).isTrue();
      LockSupport.parkNanos(Duration.ofMillis(500).toNanos()); // the device's pace
    }
    assertThat(steady.parked(id)).isTrue();
  }
}
