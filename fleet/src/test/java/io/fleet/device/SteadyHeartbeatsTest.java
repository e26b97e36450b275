package io.fleet.device;

import static io.fleet.device.DeviceTesting.DEFAULTS;
import static io.fleet.device.DeviceTesting.beat;
import static io.fleet.device.DeviceTesting.newDeviceId;
import static io.fleet.device.DeviceTesting.register;
import static io.fleet.device.DeviceTesting.send;
import static io.fleet.device.DeviceTesting.status;
import static io.fleet.device.DeviceTesting.view;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.device.DeviceEvent.BatteryLow;
import io.fleet.device.DeviceEvent.LastSeenUpdated;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which heartbeats are taken without their entity, and how the entity sees, shows and journals them. */
class SteadyHeartbeatsTest {
  private static final ActorTestKit testKit = ActorTestKit.create(DeviceTesting.CONFIG);
  private static final DeviceRegistration PORCH = new DeviceRegistration(DeviceType.CAMERA, "Porch", "h-1", "front door");

  private final SteadyHeartbeats steady = SteadyHeartbeats.get(testKit.system());
  private String id;
  private EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device;
  private Instant t0;

  @BeforeEach
  void newDevice() {
    id = newDeviceId();
    device = DeviceTesting.device(testKit, id, DEFAULTS);
    t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** Registered and heard at {@code t0} with battery 80 and firmware 1.0 (so online, its firmware journaled). */
  private void online() {
    register(device, PORCH);
    send(device, beat(t0, 80, "1.0", null));
  }

  @Test
  void aSteadyHeartbeatOfAnOnlineDeviceIsTakenWithoutItsEntityAndItsViewShowsIt() {
    online();

    boolean taken = steady.absorb(id, beat(t0.plusSeconds(10), 79, "1.0", null));

    assertThat(taken).isTrue();
    DeviceView shown = view(device);
    assertThat(shown.lastSeen()).isEqualTo(t0.plusSeconds(10));
    assertThat(shown.battery()).isEqualTo(79);
  }

  @Test
  void aHeartbeatOfAnUnknownUnregisteredOrOfflineDeviceGoesToItsEntity() {
    assertThat(steady.absorb(id, beat(t0))).as("never heard of").isFalse();
    register(device, PORCH);
    assertThat(steady.absorb(id, beat(t0))).as("registered, not yet online").isFalse();
    send(device, beat(t0, 80, "1.0", null));
    status(device, false, t0.plusSeconds(1));

    assertThat(steady.absorb(id, beat(t0.plusSeconds(2), 80, "1.0", null))).as("offline after its last will").isFalse();
  }

  @Test
  void aHeartbeatThatWouldJournalSomethingGoesToItsEntity() {
    online();

    assertThat(steady.absorb(id, beat(t0.plusSeconds(1), 10, "1.0", null))).as("battery low").isFalse();
    assertThat(steady.absorb(id, beat(t0.plusSeconds(2), 80, "2.0", null))).as("new firmware").isFalse();
    assertThat(steady.absorb(id, beat(t0.plusSeconds(3), 80, "1.0", 5))).as("another interval").isFalse();
    assertThat(steady.absorb(id, beat(t0.plus(DEFAULTS.lastSeenPersistInterval()), 80, "1.0", null)))
        .as("last seen due for the journal").isFalse();
    assertThat(steady.absorb(id, beat(t0.plusSeconds(4), 80, "1.0", null))).as("nothing new").isTrue();
  }

  @Test
  void afterItsEntityJournaledAChangeTheNextHeartbeatIsJudgedByTheNewState() {
    online();
    var low = send(device, beat(t0.plusSeconds(1), 10, "1.0", null));
    assertThat(low.events()).hasAtLeastOneElementOfType(BatteryLow.class);

    assertThat(steady.absorb(id, beat(t0.plusSeconds(2), 11, "1.0", null))).as("still low: nothing new").isTrue();
    assertThat(view(device).battery()).isEqualTo(11);
    assertThat(view(device).batteryLow()).isTrue();
  }

  @Test
  void whileAMessageOfTheDeviceIsOnItsWayToTheEntityItsHeartbeatsGoThereToo() {
    online();

    steady.sending(id);
    boolean whileSending = steady.absorb(id, beat(t0.plusSeconds(1), 80, "1.0", null));
    steady.answered(id);
    boolean afterwards = steady.absorb(id, beat(t0.plusSeconds(2), 80, "1.0", null));

    assertThat(whileSending).isFalse();
    assertThat(afterwards).isTrue();
  }

  @Test
  void aRedeliveredHeartbeatIsTakenAndChangesNothing() {
    online();
    steady.absorb(id, beat(t0.plusSeconds(5), 70, "1.0", null));

    boolean again = steady.absorb(id, beat(t0.plusSeconds(5), 10, "1.0", null));
    boolean older = steady.absorb(id, beat(t0.plusSeconds(4), 10, "1.0", null));

    assertThat(again).isTrue();
    assertThat(older).isTrue();
    assertThat(view(device).battery()).isEqualTo(70);
    assertThat(view(device).batteryLow()).isFalse();
  }

  @Test
  void theEntityJournalsTheHeartbeatsTakenForItWhenLastSeenIsDue() {
    online();
    steady.absorb(id, beat(t0.plusSeconds(10), 75, "1.0", null));

    var due = send(device, beat(t0.plus(DEFAULTS.lastSeenPersistInterval()), null, null, null));

    assertThat(due.events()).singleElement().isInstanceOfSatisfying(LastSeenUpdated.class,
        journaled -> assertThat(journaled.battery()).as("the battery taken without the entity").isEqualTo(75));
  }

  @Test
  void anEntityThatStopsJournalsTheHeartbeatsTakenForItAndItsDevicesHeartbeatsGoToItsNextIncarnation() {
    String other = newDeviceId();
    ActorRef<Device.Command> entity = testKit.spawn(Device.create(other, DEFAULTS, Optional.empty()));
    TestProbe<StatusReply<DeviceView>> registered = testKit.createTestProbe();
    entity.tell(new Device.Register(PORCH, registered.ref()));
    registered.receiveMessage();
    TestProbe<StatusReply<Done>> acks = testKit.createTestProbe();
    entity.tell(new Device.RecordHeartbeat(beat(t0, 80, "1.0", null), acks.ref()));
    acks.receiveMessage();
    assertThat(steady.absorb(other, beat(t0.plusSeconds(30), 70, "1.0", null))).isTrue();

    entity.tell(Device.Stop.INSTANCE);
    acks.expectTerminated(entity, Duration.ofSeconds(3));

    List<Object> journal = device.persistenceTestKit().persistedInStorage("Device|" + other);
    assertThat(journal.get(journal.size() - 1)).isInstanceOfSatisfying(LastSeenUpdated.class, handedOff -> {
      assertThat(handedOff.at()).isEqualTo(t0.plusSeconds(30));
      assertThat(handedOff.battery()).isEqualTo(70);
    });
    assertThat(steady.absorb(other, beat(t0.plusSeconds(31), 70, "1.0", null))).as("no entity armed it").isFalse();
  }

  @Test
  void disarmingHandsBackTheVitalsTakenUpToThatMomentAndTakesNoMore() {
    online();
    steady.absorb(id, beat(t0.plusSeconds(20), 66, "1.0", null));

    DeviceState.Vitals handedBack = steady.disarm(id, DeviceState.Vitals.NONE);

    assertThat(handedBack.lastSeen()).isEqualTo(t0.plusSeconds(20));
    assertThat(handedBack.battery()).isEqualTo(66);
    assertThat(steady.absorb(id, beat(t0.plusSeconds(21), 66, "1.0", null))).as("disarmed").isFalse();
  }

  @Test
  void theNewerOfTwoVitalsIsThatOfTheLaterHeartbeatSeenWhenEitherWasLast() {
    DeviceState.Vitals heartbeat = DeviceState.Vitals.NONE.heard(beat(t0.plusSeconds(5), 70, null, null), 10);
    DeviceState.Vitals statusLater = DeviceState.Vitals.NONE.heard(beat(t0, 90, null, null), 10)
        .seen(t0.plusSeconds(8), 10);

    DeviceState.Vitals newer = SteadyHeartbeats.newer(statusLater, heartbeat);

    assertThat(List.of(newer.heartbeatTs(), newer.lastSeen())).containsExactly(t0.plusSeconds(5), t0.plusSeconds(8));
    assertThat(newer.battery()).isEqualTo(70);
  }
}
