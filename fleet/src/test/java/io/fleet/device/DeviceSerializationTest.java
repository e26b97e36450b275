package io.fleet.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fleet.anomaly.OneClassSvm;
import io.fleet.anomaly.OnlineMahalanobis;
import io.fleet.anomaly.RobustZScore;
import io.fleet.anomaly.SensorModel;
import io.fleet.anomaly.Verdict;
import io.fleet.device.DeviceEvent.BatteryLow;
import io.fleet.device.DeviceEvent.BatteryRecovered;
import io.fleet.device.DeviceEvent.CameOnline;
import io.fleet.device.DeviceEvent.FirmwareChanged;
import io.fleet.device.DeviceEvent.LastSeenUpdated;
import io.fleet.device.DeviceEvent.Registered;
import io.fleet.device.DeviceEvent.RegistrationChanged;
import io.fleet.device.DeviceEvent.WentOffline;
import io.fleet.device.DeviceState.Vitals;
import io.fleet.tracking.Fix;
import io.fleet.tracking.Region;
import io.fleet.tracking.RegionBook;
import io.fleet.tracking.RegionTransition;
import io.fleet.tracking.Track;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Everything the device journals or sends comes back equal from jackson-cbor; enums are lowercase in JSON. */
class DeviceSerializationTest {
  private static final ActorTestKit testKit = ActorTestKit.create(DeviceTesting.CONFIG);
  private static final SerializationTestKit serialization = testKit.serializationTestKit();
  private static final Instant AT = Instant.parse("2025-03-01T10:15:30.123456Z");
  private static final MotionReport REPORT =
      new MotionReport("e-1", AT, AT, 0.5, "c-1", null, "motion", DeviceType.CAMERA, "Porch");
  private static final StoredClip CLIP = new StoredClip("c-1", "clips/d-1/c-1", "http://s3/b/clips/d-1/c-1", 42, "video/mp4", AT);
  private static final Alert ALERT = new Alert("d-1:e-1", AlertKind.BATTERY_LOW, 1, "e-1", AT, "Porch", DeviceType.CAMERA,
      "h-1", "http://s3/b/clips/d-1/c-1", "motion", "c-1", true, List.of("c-1"), "open");

  private static final Fix FIX = new Fix(AT, 52.5, 13.4, 34.0, 18.0, 5.0, 80);
  private static final Region HOME = new Region("Home", 52.5, 13.4, 50, AT.minusSeconds(86_400), "a1b2");
  private static final Region BEACON = new Region("Desk", 0, 0, 0, AT, null);
  private static final RegionTransition ENTERED =
      new RegionTransition(AT, true, "Home", "a1b2", AT.minusSeconds(86_400), 52.5, 13.4, 12.0, "c");
  private static final RegionTransition LEFT = new RegionTransition(AT, false, "Desk", null, null, null, null, null, null);
  private static final Map<String, Double> READINGS = Map.of("temperature", 31.5, "humidity", 40.0);
  private static final Verdict VERDICT = new Verdict(true, 9.5, List.of("temperature"),
      Map.of("temperature", List.of(19.0, 23.0)), "robust-z", "temperature 31.5 is 9.5 robust standard deviations from 21");
  private static final Alert ANOMALY_ALERT = new Alert("d-1:anomaly:1", AlertKind.ANOMALY, 0, "d-1:anomaly:1", AT, "Attic",
      DeviceType.SENSOR, "h-1", null, "anomaly", null, false, List.of(), "open", null, null, null, null,
      new AnomalyFinding(AT, READINGS, VERDICT));
  private static final SensorModel.Baseline BASELINE = new SensorModel.Baseline(
      new RobustZScore.State(Map.of("temperature",
          new RobustZScore.MetricState(List.of(21.0, 21.2), 21.2, 0, 0))),
      new OnlineMahalanobis.State(List.of("humidity", "temperature"), 2, List.of(40.0, 21.1),
          List.of(1.0, 0.1, 0.1, 0.02), 0),
      new OneClassSvm.State(List.of("humidity", "temperature"), List.of(0.5f, -0.1f, 0.4f, 0.15f),
          List.of(40.0, 21.1), List.of(40.2, 21.0), 2, 1, 3, true, 0));

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyEventRoundTripsEqual() {
    List<DeviceEvent> events = List.of(
        new Registered("d-1", AT, DeviceType.CAMERA, "Porch", "h-1", null, true, null),
        new Registered("d-1", AT, DeviceType.CAMERA, "Porch", null, null, true,
            new DeviceEvent.FirstHeartbeat(30, AT.minusMillis(5), "1.0", 80, -61, 12_345L, null)),
        new RegistrationChanged("d-1", AT, DeviceType.TRACKER, "Bike", null, "garage"),
        new CameOnline("d-1", AT, 30, AT),
        new CameOnline("d-1", AT, 30, null),
        new WentOffline("d-1", AT, OfflineReason.SILENT, AT.minusSeconds(90)),
        new WentOffline("d-1", AT, OfflineReason.LAST_WILL, null),
        new BatteryLow("d-1", AT, 19, AT),
        new BatteryRecovered("d-1", AT, 25, AT),
        new FirmwareChanged("d-1", AT, null, "1.0", AT),
        new LastSeenUpdated("d-1", AT, 80, -61, 12_345L, 30, null, AT.minusMillis(5)),
        new DeviceEvent.MotionStarted("d-1", AT, REPORT, true, null),
        new DeviceEvent.MotionStarted("d-1", AT, REPORT, true, ALERT),
        new DeviceEvent.MotionContinued("d-1", AT, "e-2", null, AT.minusSeconds(1)),
        new DeviceEvent.MotionContinued("d-1", AT, "e-3", "c-2", null),
        new DeviceEvent.MotionEnded("d-1", AT, "e-1"),
        new DeviceEvent.ClipStored("d-1", AT, CLIP),
        new DeviceEvent.AlertRaised("d-1", AT, ALERT),
        new DeviceEvent.AlertUpdated("d-1", AT, ALERT),
        new DeviceEvent.AlertUpdated("d-1", AT, ALERT.acknowledged("operator", AT).cleared("system", AT.plusSeconds(1))),
        new DeviceEvent.AlertRaised("d-1", AT, ANOMALY_ALERT),
        new DeviceEvent.AnomalyDetected("d-1", AT, AT, READINGS, VERDICT),
        new DeviceEvent.SensorBaselineSaved("d-1", AT, new SensorMemory(BASELINE, AT)),
        new DeviceEvent.LocationRecorded("d-1", AT, FIX),
        new DeviceEvent.Decommissioned("d-1", AT, "operator"),
        new DeviceEvent.Erased("d-1", AT, "operator"),
        new DeviceEvent.LocationRecorded("d-1", AT, new Fix(AT, -33.9, 151.2, null, null, null, null)),
        new DeviceEvent.EnteredRegion("d-1", AT, ENTERED),
        new DeviceEvent.LeftRegion("d-1", AT, LEFT),
        new DeviceEvent.RegionsChanged("d-1", AT, List.of(HOME, BEACON)),
        new DeviceEvent.RegionsChanged("d-1", AT, List.of()));

    events.forEach(event -> serialization.verifySerialization(event, true));
  }

  @Test
  void aRegistrationJournaledBeforeItCarriedAFirstHeartbeatReadsWithNone() throws Exception {
    Registered registered = new Registered("d-1", AT, DeviceType.CAMERA, "Porch", "h-1", null, true, null);
    ActorSystem classic = Adapter.toClassic(testKit.system());
    SerializerWithStringManifest serializer =
        (SerializerWithStringManifest) SerializationExtension.get(classic).findSerializerFor(registered);
    ObjectMapper cbor = JacksonObjectMapperProvider.get(classic).getOrCreate("jackson-cbor", Optional.empty());
    ObjectNode older = cbor.valueToTree(registered);
    assertThat(older.remove("first")).as("the field the older row lacks").isNotNull();

    Object read = serializer.fromBinary(cbor.writeValueAsBytes(older), serializer.manifest(registered));

    assertThat(read).isEqualTo(registered);
    assertThat(DeviceEvent.facts((DeviceEvent) read)).containsExactly(registered);
  }

  @Test
  void theStateAndTheViewRoundTripEqual() {
    Vitals vitals = new Vitals(AT, AT.minusMillis(5), 80, -61, 12_345L, 2, 30);
    serialization.verifySerialization(DeviceState.empty(), true);
    serialization.verifySerialization(new DeviceState(null, null, ConnectionState.UNKNOWN, null, false, null, vitals,
        new MotionState(true, AT, REPORT, true, AT, ALERT, List.of("e-1"), List.of("c-1"), List.of(CLIP)),
        Map.of("motion", AT), new AlertBook(List.of(ALERT, ALERT.acknowledged("operator", AT))),
        new SensorMemory(BASELINE, AT), new Track(List.of(FIX)),
        new RegionBook(List.of(HOME, BEACON), List.of(ENTERED, LEFT))), true);
    serialization.verifySerialization(DeviceState.empty().apply(new DeviceEvent.Decommissioned("d-1", AT, "operator")), true);
    serialization.verifySerialization(new DeviceState(new DeviceRegistration(DeviceType.SENSOR, "Attic", "h-1", "roof"),
        AT, ConnectionState.ONLINE, AT, true, "1.2", vitals), true);
    serialization.verifySerialization(new DeviceView("d-1", DeviceType.SENSOR, "Attic", "h-1", "roof",
        ConnectionState.OFFLINE, AT, AT, 19, true, -70, "1.2", 5L, 30, 0, AT, "active", "d-1:e-1", List.of()), true);
    serialization.verifySerialization(new DeviceView("d-2", DeviceType.TRACKER, "Phone", null, null,
        ConnectionState.ONLINE, AT, AT, 80, false, null, null, null, 30, null, AT, "idle", null, List.of(HOME, BEACON)), true);
  }

  @Test
  void commandsRoundTripEqual() {
    TestProbe<StatusReply<Done>> done = testKit.createTestProbe();
    TestProbe<StatusReply<DeviceView>> view = testKit.createTestProbe();
    Heartbeat hb = new Heartbeat(AT, AT, 50, -60, "1.0", 7L, 10, 1, DeviceType.CAMERA, "Porch");

    serialization.verifySerialization(new Device.RecordHeartbeat(hb, done.ref()), true);
    serialization.verifySerialization(new Device.RecordStatus(false, AT, done.ref()), true);
    serialization.verifySerialization(
        new Device.Register(new DeviceRegistration(DeviceType.CAMERA, "Porch", null, null), view.ref()), true);
    serialization.verifySerialization(new Device.Get(view.ref()), true);
    serialization.verifySerialization(Device.Stop.INSTANCE, true);
    TestProbe<StatusReply<AlertAnswer>> answer = testKit.createTestProbe();
    serialization.verifySerialization(new Device.AcknowledgeAlert("d-1:e-1", "operator", answer.ref()), true);
    serialization.verifySerialization(new Device.ClearAlert("d-1:e-1", "homeowner Ann", answer.ref()), true);
    serialization.verifySerialization(new Device.Decommission("operator", done.ref()), true);
    serialization.verifySerialization(new AlertAnswer(AlertAnswer.Outcome.CONFLICT, ALERT, "cleared"), true);
    serialization.verifySerialization(AlertAnswer.notFound("d-1:x"), true);
    serialization.verifySerialization(new Device.RecordLocation(FIX, AT, "ab", done.ref()), true);
    serialization.verifySerialization(new Device.RecordTransition(ENTERED, AT, "ab", done.ref()), true);
    serialization.verifySerialization(new Device.RecordTransition(LEFT, AT, null, done.ref()), true);
    serialization.verifySerialization(new Device.RecordRegions(List.of(HOME, BEACON), true, AT, done.ref()), true);
    serialization.verifySerialization(new Device.RecordRegions(List.of(HOME), false, AT, done.ref()), true);
    serialization.verifySerialization(new Device.RecordTelemetry(
        new Telemetry(AT, AT, READINGS, DeviceType.SENSOR, "Attic"), done.ref()), true);
    serialization.verifySerialization(new Device.RecordMotion(REPORT, CLIP, done.ref()), true);
    serialization.verifySerialization(Device.RecordMotion.withoutClip(REPORT, done.ref()), true);
  }

  @Test
  void aRefusalCrossesNodesWithItsTypedRejection() {
    for (Rejection.Kind kind : Rejection.Kind.values()) {
      StatusReply<Done> refused = DeviceRefused.reply(new Rejection(kind, "why: " + kind));
      @SuppressWarnings("unchecked")
      StatusReply<Done> back = (StatusReply<Done>) serialization.verifySerialization(refused, false);

      assertThat(back.isError()).isTrue();
      assertThat(DeviceRefused.of(back)).contains(new Rejection(kind, "why: " + kind));
      assertThat(back.getError()).hasMessage("why: " + kind);
    }
  }

  @Test
  void enumsAreLowercaseInJsonAndTypesParseCaseInsensitively() throws Exception {
    ObjectMapper json = new ObjectMapper();

    assertThat(json.writeValueAsString(List.of(DeviceType.CAMERA, ConnectionState.ONLINE, OfflineReason.LAST_WILL)))
        .isEqualTo("[\"camera\",\"online\",\"last_will\"]");
    assertThat(json.readValue("\"Tracker\"", DeviceType.class)).isEqualTo(DeviceType.TRACKER);
    assertThat(json.readValue("\"offline\"", ConnectionState.class)).isEqualTo(ConnectionState.OFFLINE);
    assertThat(DeviceType.parse(" SENSOR ")).contains(DeviceType.SENSOR);
    assertThat(DeviceType.parse("drone")).isEmpty();
    assertThat(DeviceType.parse(null)).isEmpty();
  }
}
