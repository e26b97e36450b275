package io.fleet.device;

import static io.fleet.device.DeviceTesting.DEFAULTS;
import static io.fleet.device.DeviceTesting.beat;
import static io.fleet.device.DeviceTesting.eventOf;
import static io.fleet.device.DeviceTesting.newDeviceId;
import static io.fleet.device.DeviceTesting.register;
import static io.fleet.device.DeviceTesting.send;
import static io.fleet.device.DeviceTesting.status;
import static io.fleet.device.DeviceTesting.view;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.device.DeviceEvent.BatteryLow;
import io.fleet.device.DeviceEvent.BatteryRecovered;
import io.fleet.device.DeviceEvent.CameOnline;
import io.fleet.device.DeviceEvent.FirmwareChanged;
import io.fleet.device.DeviceEvent.LastSeenUpdated;
import io.fleet.device.DeviceEvent.Registered;
import io.fleet.device.DeviceEvent.RegistrationChanged;
import io.fleet.device.DeviceEvent.WentOffline;
import io.fleet.infra.IngestProgress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The device's registration and health transitions, one command at a time (no timers involved). */
class DeviceTest {
  private static final ActorTestKit testKit = ActorTestKit.create(DeviceTesting.CONFIG);
  private static final DeviceRegistration PORCH = new DeviceRegistration(DeviceType.CAMERA, "Porch", "h-1", "front door");

  private String id;
  private EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device;
  /** Heartbeats are stamped from here; the silence window (3 × 10s for a camera) never elapses in a test. */
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

  @Test
  void registerPersistsRegisteredAndRepliesWithTheView() {
    var result = register(device, PORCH);

    Registered registered = eventOf(result, Registered.class);
    assertThat(registered.deviceId()).isEqualTo(id);
    assertThat(registered.selfRegistered()).isFalse();
    DeviceView view = result.reply().getValue();
    assertThat(view.type()).isEqualTo(DeviceType.CAMERA);
    assertThat(view.name()).isEqualTo("Porch");
    assertThat(view.household()).isEqualTo("h-1");
    assertThat(view.location()).isEqualTo("front door");
    assertThat(view.status()).isEqualTo(ConnectionState.UNKNOWN);
    assertThat(view.heartbeatIntervalS()).isEqualTo(10);
    assertThat(view.registeredAt()).isEqualTo(registered.at());
  }

  @Test
  void telemetryNamingMoreMetricsThanADeviceMayKeepIsRefusedAndTheNamesKeptStillCount() {
    device = DeviceTesting.device(testKit, id, DeviceTesting.settings("device.max-metrics = 3"));
    register(device, new DeviceRegistration(DeviceType.SENSOR, "Attic", "h-1", null));
    var first = device.<StatusReply<Done>>runCommand(r -> new Device.RecordTelemetry(
        new Telemetry(t0, t0, Map.of("a", 1.0, "b", 2.0), null, null), r));
    assertThat(first.reply().isSuccess()).isTrue();

    var wider = device.<StatusReply<Done>>runCommand(r -> new Device.RecordTelemetry(
        new Telemetry(t0.plusSeconds(1), t0, Map.of("c", 3.0, "d", 4.0), null, null), r));
    assertThat(wider.reply().isError()).isTrue();
    assertThat(wider.reply().getError().getMessage()).startsWith("too many metrics").contains("4 metric names");
    assertThat(DeviceRefused.of(wider.reply()).map(Rejection::kind)).contains(Rejection.Kind.TOO_MANY_METRICS);

    var third = device.<StatusReply<Done>>runCommand(r -> new Device.RecordTelemetry(
        new Telemetry(t0.plusSeconds(2), t0, Map.of("a", 1.5, "c", 3.0), null, null), r));
    assertThat(third.reply().isSuccess()).as("a third name still fits").isTrue();
  }

  @Test
  void registeringAgainWithTheSameDetailsPersistsNothing() {
    register(device, PORCH);

    var again = register(device, PORCH);

    assertThat(again.hasNoEvents()).isTrue();
    assertThat(again.reply().getValue().name()).isEqualTo("Porch");
  }

  @Test
  void registeringWithChangedDetailsPersistsRegistrationChanged() {
    register(device, PORCH);

    var changed = register(device, new DeviceRegistration(DeviceType.CAMERA, "Porch", "h-1", "garage"));

    assertThat(eventOf(changed, RegistrationChanged.class).location()).isEqualTo("garage");
    assertThat(changed.reply().getValue().location()).isEqualTo("garage");
  }

  @Test
  void registeringWithoutATypeIsRejected() {
    var result = register(device, new DeviceRegistration(null, "Porch", null, null));

    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.reply().isError()).isTrue();
  }

  /** Asks the device for a view, which is held: no answer yet. */
  private TestProbe<StatusReply<DeviceView>> viewHeld() {
    TestProbe<StatusReply<DeviceView>> viewer = testKit.createTestProbe();
    device.runCommand(new Device.Get(viewer.ref()));
    viewer.expectNoMessage(Duration.ofMillis(300));
    return viewer;
  }

  @Test
  void aViewWaitsWhileTheDevicesPartitionCatchesUpOnItsLastHeartbeatsThenShowsTheLatest() {
    register(device, PORCH);
    send(device, beat(t0));
    IngestProgress progress = IngestProgress.get(testKit.system());
    progress.route(deviceId -> deviceId.equals(id) ? 7 : -1, deviceId -> 0);
    try {
      progress.catchingUp(Set.of(7));
      TestProbe<StatusReply<DeviceView>> viewer = viewHeld();

      send(device, beat(t0.plusSeconds(5))); // the heartbeat the catch-up hands back
      progress.caughtUp(Set.of(7));

      assertThat(viewer.receiveMessage(Duration.ofSeconds(3)).getValue().lastSeen()).isEqualTo(t0.plusSeconds(5));
    } finally {
      progress.caughtUp(Set.of(7));
      progress.route(deviceId -> -1, deviceId -> 0);
    }
  }

  @Test
  void anEntityRecoveredOnlineWhereItsPartitionIsNotCaughtUpHoldsItsViewUntilItsLastHeartbeatIsHandedBack() {
    register(device, PORCH);
    send(device, beat(t0));
    send(device, beat(t0.plusSeconds(5))); // steady: in memory only, its node then dies
    IngestProgress progress = IngestProgress.get(testKit.system());
    progress.route(deviceId -> deviceId.equals(id) ? 8 : -1, deviceId -> 0);
    try {
      device.restart(); // started by sharding before Kafka gave partition 8 to a consumer
      TestProbe<StatusReply<DeviceView>> viewer = viewHeld();

      device.<StatusReply<Done>>runCommand(replyTo -> new Device.RecoverVitals(beat(t0.plusSeconds(5)), replyTo));

      assertThat(viewer.receiveMessage(Duration.ofSeconds(3)).getValue().lastSeen()).isEqualTo(t0.plusSeconds(5));
    } finally {
      progress.route(deviceId -> -1, deviceId -> 0);
    }
  }

  @Test
  void anEntityRecoveredWhereItsPartitionWasCaughtUpBeforeShowsItsJournalAtOnce() {
    register(device, PORCH);
    send(device, beat(t0));
    IngestProgress progress = IngestProgress.get(testKit.system());
    progress.route(deviceId -> deviceId.equals(id) ? 9 : -1, deviceId -> 0);
    try {
      progress.assigned(Set.of(9)); // nothing to catch up on: a shard that followed its partition here, handed off
      device.restart();
      TestProbe<StatusReply<DeviceView>> viewer = testKit.createTestProbe();
      device.runCommand(new Device.Get(viewer.ref()));

      assertThat(viewer.receiveMessage(Duration.ofSeconds(1)).getValue().lastSeen()).isEqualTo(t0);
    } finally {
      progress.revoked(Set.of(9));
      progress.route(deviceId -> -1, deviceId -> 0);
    }
  }

  @Test
  void getOfAnUnknownDeviceIsAnError() {
    StatusReply<DeviceView> reply = device.<StatusReply<DeviceView>>runCommand(Device.Get::new).reply();

    assertThat(reply.getError()).hasMessage("unknown device " + id);
    assertThat(DeviceRefused.of(reply).map(Rejection::kind)).contains(Rejection.Kind.UNKNOWN_DEVICE);
  }

  @Test
  void aHeartbeatFromAnUnknownDeviceRegistersItAndBringsItOnline() {
    Heartbeat hb = new Heartbeat(t0, t0, 90, -50, "1.0", 5L, null, 0, DeviceType.TRACKER, "Bike");

    var result = send(device, hb);

    assertThat(result.reply().isSuccess()).isTrue();
    assertThat(result.events()).as("one journal row").hasSize(1);
    assertThat(DeviceEvent.facts(result.events().get(0))).extracting(Object::getClass).containsExactly(
        Registered.class, CameOnline.class, FirmwareChanged.class, LastSeenUpdated.class);
    Registered registered = (Registered) result.events().get(0);
    assertThat(registered.selfRegistered()).isTrue();
    assertThat(registered.first()).isEqualTo(new DeviceEvent.FirstHeartbeat(15, t0, "1.0", 90, -50, 5L, 0));
    assertThat(registered.type()).isEqualTo(DeviceType.TRACKER);
    assertThat(registered.name()).isEqualTo("Bike");
    assertThat(registered.household()).as("in no household until an operator registers it in one").isNull();
    DeviceView view = view(device);
    assertThat(view.status()).isEqualTo(ConnectionState.ONLINE);
    assertThat(view.heartbeatIntervalS()).isEqualTo(15);
  }

  @Test
  void aFirstHeartbeatJournaledInOneRowRecoversTheStateItsFourFactsWouldAndAHeartbeatReadAgainIsStillIgnored() {
    Heartbeat hb = new Heartbeat(t0, t0, 90, -50, "1.0", 5L, null, 2, DeviceType.TRACKER, "Bike");
    var result = send(device, hb);
    DeviceState fromFacts = DeviceState.empty();
    for (DeviceEvent fact : DeviceEvent.facts(result.events().get(0))) fromFacts = fromFacts.apply(fact);
    DeviceView before = view(device);

    device.restart();

    assertThat(result.state()).isEqualTo(fromFacts);
    assertThat(view(device)).isEqualTo(before);
    assertThat(before.firmware()).isEqualTo("1.0");
    assertThat(before.lastSeen()).isEqualTo(t0);
    assertThat(send(device, hb).hasNoEvents()).as("the same heartbeat redelivered").isTrue();
  }

  @Test
  void aFirstHeartbeatThatAlsoReportsALowBatteryJournalsItsEventsOneByOne() {
    var result = send(device, new Heartbeat(t0, t0, 5, null, "1.0", null, null, 0, DeviceType.SENSOR, null));

    assertThat(result.events()).extracting(Object::getClass).contains(Registered.class, CameOnline.class,
        DeviceEvent.BatteryLow.class, LastSeenUpdated.class);
    assertThat(((Registered) result.events().get(0)).first()).isNull();
  }

  @Test
  void aSelfRegisteringDeviceThatSaysNothingGetsTheDefaultTypeAndItsIdAsName() {
    var result = send(device, beat(t0));

    Registered registered = eventOf(result, Registered.class);
    assertThat(registered.type()).isEqualTo(DEFAULTS.defaultType());
    assertThat(registered.name()).isEqualTo(id);
  }

  @Test
  void aSelfRegisteringDeviceJoinsTheConfiguredDefaultHouseholdAndAnOperatorMovesIt() {
    device = DeviceTesting.device(testKit, id, DeviceTesting.settings("device.default-household = h-unassigned"));

    assertThat(eventOf(send(device, beat(t0)), Registered.class).household()).isEqualTo("h-unassigned");
    register(device, PORCH);
    assertThat(view(device).household()).isEqualTo(PORCH.household());
  }

  @Test
  void aHeartbeatFromAnUnknownDeviceIsRejectedWhenAutoRegisterIsOff() {
    device = DeviceTesting.device(testKit, id, DeviceTesting.settings("device.auto-register = off"));

    var result = send(device, beat(t0));

    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.reply().getError()).hasMessage("unknown device " + id);
    assertThat(status(device, false, t0).reply().isError()).isTrue();
  }

  @Test
  void theFirstHeartbeatBringsARegisteredDeviceOnlineWithItsTypesInterval() {
    register(device, PORCH);

    var result = send(device, beat(t0.plusSeconds(1)));

    assertThat(result.events()).extracting(Object::getClass).containsExactly(CameOnline.class, LastSeenUpdated.class);
    assertThat(eventOf(result, CameOnline.class).heartbeatIntervalS()).isEqualTo(10);
    assertThat(eventOf(result, LastSeenUpdated.class).at()).isEqualTo(t0.plusSeconds(1));
    assertThat(view(device).statusSince()).isEqualTo(t0.plusSeconds(1));
  }

  @Test
  void steadyHeartbeatsPersistNothingUntilTheLastSeenPersistIntervalPasses() {
    register(device, PORCH);
    send(device, beat(t0, 80, null, null));

    var steady = send(device, beat(t0.plusSeconds(10), 79, null, null));

    assertThat(steady.hasNoEvents()).isTrue();
    DeviceView live = view(device);
    assertThat(live.lastSeen()).isEqualTo(t0.plusSeconds(10));
    assertThat(live.battery()).isEqualTo(79);

    var due = send(device, beat(t0.plus(DEFAULTS.lastSeenPersistInterval()), 78, null, null));

    assertThat(due.events()).containsExactly(new LastSeenUpdated(id, t0.plus(DEFAULTS.lastSeenPersistInterval()),
        78, -60, 1000L, 10, 0, t0.plus(DEFAULTS.lastSeenPersistInterval())));
  }

  @Test
  void aHeartbeatNotNewerThanTheLastAcceptedOneIsAcknowledgedAndIgnored() {
    register(device, PORCH);
    send(device, beat(t0.plusSeconds(5), 80, null, null));

    var duplicate = send(device, beat(t0.plusSeconds(5), 10, null, null));
    var older = send(device, beat(t0.plusSeconds(4), 10, null, null));

    assertThat(duplicate.reply()).isEqualTo(StatusReply.ack());
    assertThat(duplicate.hasNoEvents()).isTrue();
    assertThat(older.hasNoEvents()).isTrue();
    assertThat(view(device).battery()).isEqualTo(80);
    assertThat(view(device).batteryLow()).isFalse();
  }

  @Test
  void batteryLowIsSetBelowTheLowLevelAndClearedOnlyAtTheRecoveredLevel() {
    register(device, PORCH);
    send(device, beat(t0, 50, null, null));

    assertThat(batteryEvents(19, 1)).containsExactly(new BatteryLow(id, t0.plusSeconds(1), 19, t0.plusSeconds(1)));
    assertThat(batteryEvents(21, 2)).isEmpty();
    assertThat(batteryEvents(22, 3)).isEmpty();
    assertThat(batteryEvents(24, 4)).isEmpty();
    assertThat(view(device).batteryLow()).isTrue();
    assertThat(batteryEvents(25, 5)).containsExactly(new BatteryRecovered(id, t0.plusSeconds(5), 25, t0.plusSeconds(5)));
    assertThat(batteryEvents(22, 6)).isEmpty();
    assertThat(batteryEvents(21, 7)).isEmpty();
    assertThat(view(device).batteryLow()).isFalse();
    assertThat(batteryEvents(19, 8)).containsExactly(new BatteryLow(id, t0.plusSeconds(8), 19, t0.plusSeconds(8)));
  }

  /**
   * The battery events of a heartbeat {@code second}s after t0; each transition journals last seen too
   * (and battery low an alert, tested in MotionTest).
   */
  private List<DeviceEvent> batteryEvents(int battery, int second) {
    List<DeviceEvent> events = send(device, beat(t0.plusSeconds(second), battery, null, null)).events().stream()
        .filter(e -> !(e instanceof DeviceEvent.AlertRaised || e instanceof DeviceEvent.AlertUpdated)).toList();
    assertThat(events.isEmpty() || events.get(events.size() - 1) instanceof LastSeenUpdated).isTrue();
    return events.stream().filter(e -> !(e instanceof LastSeenUpdated)).toList();
  }

  @Test
  void theFirstFirmwareIsJournaledAsAChangeFromNothingAndLaterOnlyRealChanges() {
    register(device, PORCH);

    var first = send(device, beat(t0, null, "1.0", null));
    var same = send(device, beat(t0.plusSeconds(1), null, "1.0", null));
    var upgraded = send(device, beat(t0.plusSeconds(2), null, "1.1", null));

    assertThat(eventOf(first, FirmwareChanged.class)).isEqualTo(new FirmwareChanged(id, t0, null, "1.0", t0));
    assertThat(same.hasNoEvents()).isTrue();
    assertThat(eventOf(upgraded, FirmwareChanged.class))
        .isEqualTo(new FirmwareChanged(id, t0.plusSeconds(2), "1.0", "1.1", t0.plusSeconds(2)));
    assertThat(view(device).firmware()).isEqualTo("1.1");
  }

  @Test
  void aChangedHeartbeatIntervalIsJournaled() {
    register(device, PORCH);
    send(device, beat(t0));

    var result = send(device, beat(t0.plusSeconds(1), null, null, 5));

    assertThat(eventOf(result, LastSeenUpdated.class).heartbeatIntervalS()).isEqualTo(5);
  }

  @Test
  void theLastWillTakesAnOnlineDeviceOfflineAtOnce() {
    register(device, PORCH);
    send(device, beat(t0));

    var result = status(device, false, t0.plusSeconds(2));

    assertThat(result.reply()).isEqualTo(StatusReply.ack());
    assertThat(result.events()).first().isEqualTo(new WentOffline(id, t0.plusSeconds(2), OfflineReason.LAST_WILL, t0));
    assertThat(result.events()).last().isInstanceOf(DeviceEvent.AlertRaised.class);
    assertThat(view(device).status()).isEqualTo(ConnectionState.OFFLINE);
    assertThat(status(device, false, t0.plusSeconds(3)).hasNoEvents()).isTrue();
  }

  @Test
  void theLastWillOfARegisteredButNeverSeenDeviceMarksItOffline() {
    register(device, PORCH);

    var result = status(device, false, t0);

    assertThat(eventOf(result, WentOffline.class).lastSeen()).isNull();
    assertThat(view(device).status()).isEqualTo(ConnectionState.OFFLINE);
  }

  @Test
  void aLastWillReceivedBeforeTheDeviceWasLastSeenIsStaleAndIgnored() {
    register(device, PORCH);
    send(device, beat(t0.plusSeconds(5)));

    var result = status(device, false, t0.plusSeconds(4));

    assertThat(result.hasNoEvents()).isTrue();
    assertThat(view(device).status()).isEqualTo(ConnectionState.ONLINE);
  }

  @Test
  void aHeartbeatAfterGoingOfflineBringsTheDeviceBackOnline() {
    register(device, PORCH);
    send(device, beat(t0));
    status(device, false, t0.plusSeconds(1));

    var result = send(device, beat(t0.plusSeconds(2)));

    assertThat(result.events()).startsWith(new CameOnline(id, t0.plusSeconds(2), 10, t0.plusSeconds(2)),
        new LastSeenUpdated(id, t0.plusSeconds(2), null, -60, 1000L, 10, 0, t0.plusSeconds(2)));
    // ... and the offline alert is cleared by the system (AlertLifecycleTest).
    assertThat(eventOf(result, DeviceEvent.AlertUpdated.class).alert().state()).isEqualTo(Alert.CLEARED);
    assertThat(view(device).status()).isEqualTo(ConnectionState.ONLINE);
  }

  @Test
  void statusOnlineBringsAnOfflineDeviceOnlineAndIsIgnoredWhenOnline() {
    register(device, PORCH);
    status(device, false, t0);

    var online = status(device, true, t0.plusSeconds(1));
    var again = status(device, true, t0.plusSeconds(2));

    assertThat(online.events()).first().isEqualTo(new CameOnline(id, t0.plusSeconds(1), 10, null));
    assertThat(eventOf(online, DeviceEvent.AlertUpdated.class).alert().state()).as("the offline alert").isEqualTo(Alert.CLEARED);
    assertThat(again.hasNoEvents()).isTrue();
    DeviceView view = view(device);
    assertThat(view.status()).isEqualTo(ConnectionState.ONLINE);
    assertThat(view.lastSeen()).isEqualTo(t0.plusSeconds(1));
  }

  @Test
  void aStatusFromAnUnknownDeviceIsAcknowledgedButRegistersNothingSoItsFirstHeartbeatCanSayWhatItIs() {
    var online = status(device, true, t0);

    assertThat(online.hasNoEvents()).isTrue();
    assertThat(online.reply().isSuccess()).isTrue();
    var first = device.<StatusReply<Done>>runCommand(replyTo -> new Device.RecordHeartbeat(
        new Heartbeat(t0.plusSeconds(1), t0.plusSeconds(1), 80, null, null, null, 10, null, DeviceType.CAMERA, "Hall"),
        replyTo));
    assertThat(DeviceEvent.facts(first.events().get(0))).first().isEqualTo(
        new Registered(id, t0.plusSeconds(1), DeviceType.CAMERA, "Hall", null, null, true, null));
    assertThat(view(device).status()).isEqualTo(ConnectionState.ONLINE);
  }

  @Test
  void restartRecoversTheSameView() {
    register(device, PORCH);
    send(device, beat(t0, 15, "2.0", null));
    send(device, beat(t0.plusSeconds(1), 16, null, null));
    status(device, false, t0.plusSeconds(2));
    send(device, beat(t0.plusSeconds(3), 30, "2.1", 7));
    register(device, new DeviceRegistration(DeviceType.CAMERA, "Porch", "h-1", "back door"));
    DeviceView before = view(device);

    device.restart();

    assertThat(view(device)).isEqualTo(before);
    assertThat(before.status()).isEqualTo(ConnectionState.ONLINE);
    assertThat(before.batteryLow()).isFalse();
    assertThat(before.firmware()).isEqualTo("2.1");
    assertThat(before.heartbeatIntervalS()).isEqualTo(7);
    assertThat(before.location()).isEqualTo("back door");
  }

  @Test
  void afterRestartLastSeenLagsByAtMostThePersistIntervalAndRedeliveriesAreStillIgnored() {
    register(device, PORCH);
    send(device, beat(t0, 15, null, null));
    send(device, beat(t0.plusSeconds(30), 16, null, null));

    device.restart();

    DeviceView recovered = view(device);
    assertThat(recovered.lastSeen()).isEqualTo(t0);
    assertThat(recovered.batteryLow()).isTrue();
    CommandResultWithReply<Device.Command, DeviceEvent, DeviceState, StatusReply<Done>> redelivered =
        send(device, beat(t0, 15, null, null));
    assertThat(redelivered.hasNoEvents()).isTrue();
    assertThat(Duration.between(recovered.lastSeen(), t0.plusSeconds(30))).isLessThan(DEFAULTS.lastSeenPersistInterval());
  }

  @Test
  void anEntityHandedOffJournalsItsLastHeartbeatFirstSoItsNextNodeDoesNotGoBackInTime() {
    ActorRef<Device.Command> entity = testKit.spawn(Device.create(id, DEFAULTS, Optional.empty()));
    TestProbe<StatusReply<DeviceView>> registered = testKit.createTestProbe();
    entity.tell(new Device.Register(PORCH, registered.ref()));
    registered.receiveMessage();
    TestProbe<StatusReply<Done>> acks = testKit.createTestProbe();
    entity.tell(new Device.RecordHeartbeat(beat(t0, 80, null, null), acks.ref()));
    entity.tell(new Device.RecordHeartbeat(beat(t0.plusSeconds(30), 70, null, null), acks.ref()));
    acks.receiveSeveralMessages(2);

    entity.tell(Device.Stop.INSTANCE);
    acks.expectTerminated(entity, Duration.ofSeconds(3));

    List<Object> journal = device.persistenceTestKit().persistedInStorage("Device|" + id);
    assertThat(journal.get(journal.size() - 1)).isInstanceOfSatisfying(LastSeenUpdated.class, last -> {
      assertThat(last.at()).isEqualTo(t0.plusSeconds(30));
      assertThat(last.battery()).isEqualTo(70);
    });
    device.restart();
    DeviceView recovered = view(device);
    assertThat(recovered.lastSeen()).as("the last heartbeat, not the last journaled before").isEqualTo(t0.plusSeconds(30));
    assertThat(recovered.battery()).isEqualTo(70);
  }

  @Test
  void afterACrashTheHeartbeatsReadAgainRestoreTheLastVitalsWithoutJournalingOrGoingBack() {
    register(device, PORCH);
    send(device, beat(t0, 15, null, null));
    send(device, beat(t0.plusSeconds(30), 16, null, null));
    device.restart(); // a crash: the second heartbeat's values were only in memory
    assertThat(view(device).lastSeen()).isEqualTo(t0);

    var caughtUp = recover(beat(t0.plusSeconds(30), 16, null, null));
    var older = recover(beat(t0.plusSeconds(10), 50, null, null));

    assertThat(caughtUp.hasNoEvents()).isTrue();
    assertThat(older.hasNoEvents()).isTrue();
    assertThat(caughtUp.reply().isSuccess()).isTrue();
    DeviceView view = view(device);
    assertThat(view.lastSeen()).isEqualTo(t0.plusSeconds(30));
    assertThat(view.battery()).as("the newest heartbeat's, not the older one read after it").isEqualTo(16);
    assertThat(view.batteryLow()).as("no transition: the battery-low judged at first stays as journaled").isTrue();
  }

  @Test
  void aHeartbeatReadAgainDoesNotBringAnOfflineDeviceBackOnline() {
    register(device, PORCH);
    send(device, beat(t0, 90, null, null));
    status(device, false, t0.plusSeconds(5));

    var caughtUp = recover(beat(t0.plusSeconds(3), 90, null, null));

    assertThat(caughtUp.hasNoEvents()).isTrue();
    assertThat(view(device).status()).isEqualTo(ConnectionState.OFFLINE);
    assertThat(view(device).lastSeen()).isEqualTo(t0);
  }

  private CommandResultWithReply<Device.Command, DeviceEvent, DeviceState, StatusReply<Done>> recover(Heartbeat hb) {
    return device.runCommand(r -> new Device.RecoverVitals(hb, r));
  }
}
