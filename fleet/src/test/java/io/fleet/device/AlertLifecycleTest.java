package io.fleet.device;

import static io.fleet.device.DeviceTesting.DEFAULTS;
import static io.fleet.device.DeviceTesting.beat;
import static io.fleet.device.DeviceTesting.eventOf;
import static io.fleet.device.DeviceTesting.newDeviceId;
import static io.fleet.device.DeviceTesting.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.device.AlertAnswer.Outcome;
import io.fleet.device.DeviceEvent.AlertRaised;
import io.fleet.device.DeviceEvent.AlertUpdated;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Acknowledging and clearing a device's alerts: by people through the API, and by the system. */
class AlertLifecycleTest {
  private static final ActorTestKit testKit = ActorTestKit.create(DeviceTesting.CONFIG);

  private EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device;
  private Instant t0;
  private String offlineAlert;

  @BeforeEach
  void deviceWithAnOfflineAlert() {
    device = DeviceTesting.device(testKit, newDeviceId(), DEFAULTS);
    t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    offlineAlert = DeviceTesting.withOfflineAlert(device, t0);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void acknowledgingAnOpenAlertJournalsTheNextRevisionWithWhoAndWhen() {
    var result = device.<StatusReply<AlertAnswer>>runCommand(r -> new Device.AcknowledgeAlert(offlineAlert, "operator", r));

    Alert acked = eventOf(result, AlertUpdated.class).alert();
    assertThat(acked.state()).isEqualTo(Alert.ACKNOWLEDGED);
    assertThat(acked.revision()).isEqualTo(1);
    assertThat(acked.acknowledgedBy()).isEqualTo("operator");
    assertThat(acked.acknowledgedAt()).isNotNull();
    assertThat(acked.clearedBy()).isNull();
    assertThat(result.reply().getValue().outcome()).isEqualTo(Outcome.CHANGED);
    assertThat(result.reply().getValue().alert()).isEqualTo(acked);
  }

  @Test
  void acknowledgingTwiceChangesNothingTheSecondTime() {
    ack(offlineAlert);

    var again = device.<StatusReply<AlertAnswer>>runCommand(r -> new Device.AcknowledgeAlert(offlineAlert, "someone else", r));

    assertThat(again.hasNoEvents()).isTrue();
    assertThat(again.reply().getValue().outcome()).isEqualTo(Outcome.UNCHANGED);
    assertThat(again.reply().getValue().alert().acknowledgedBy()).isEqualTo("operator");
  }

  @Test
  void clearingKeepsWhoAcknowledgedAndAcknowledgingAClearedAlertIsAConflict() {
    ack(offlineAlert);
    var cleared = device.<StatusReply<AlertAnswer>>runCommand(r -> new Device.ClearAlert(offlineAlert, "homeowner Ann", r));
    Alert alert = eventOf(cleared, AlertUpdated.class).alert();
    assertThat(alert.state()).isEqualTo(Alert.CLEARED);
    assertThat(alert.revision()).isEqualTo(2);
    assertThat(alert.acknowledgedBy()).isEqualTo("operator");
    assertThat(alert.clearedBy()).isEqualTo("homeowner Ann");

    var ackAfterClear = device.<StatusReply<AlertAnswer>>runCommand(r -> new Device.AcknowledgeAlert(offlineAlert, "operator", r));
    assertThat(ackAfterClear.hasNoEvents()).isTrue();
    assertThat(ackAfterClear.reply().getValue().outcome()).isEqualTo(Outcome.CONFLICT);
    assertThat(ackAfterClear.reply().getValue().detail()).contains("cleared by homeowner Ann");

    var clearAgain = device.<StatusReply<AlertAnswer>>runCommand(r -> new Device.ClearAlert(offlineAlert, "operator", r));
    assertThat(clearAgain.hasNoEvents()).isTrue();
    assertThat(clearAgain.reply().getValue().outcome()).isEqualTo(Outcome.UNCHANGED);
  }

  @Test
  void anAlertTheDeviceDoesNotHaveIsNotFound() {
    var result = device.<StatusReply<AlertAnswer>>runCommand(r -> new Device.AcknowledgeAlert("other:offline:1", "operator", r));

    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.reply().getValue().outcome()).isEqualTo(Outcome.NOT_FOUND);
  }

  @Test
  void comingBackOnlineClearsTheOfflineAlertAsTheSystem() {
    ack(offlineAlert);

    var online = send(device, beat(t0.plusSeconds(2)));

    Alert cleared = eventOf(online, AlertUpdated.class).alert();
    assertThat(cleared.alertId()).isEqualTo(offlineAlert);
    assertThat(cleared.state()).isEqualTo(Alert.CLEARED);
    assertThat(cleared.clearedBy()).isEqualTo(AlertRules.SYSTEM);
    assertThat(cleared.acknowledgedBy()).isEqualTo("operator");
  }

  @Test
  void aRecoveredBatteryClearsTheBatteryAlert() {
    send(device, beat(t0.plusSeconds(2)));
    String batteryAlert = eventOf(send(device, beat(t0.plusSeconds(3), 10, null, null)), AlertRaised.class).alert().alertId();

    var recovered = send(device, beat(t0.plusSeconds(4), 90, null, null));

    Alert cleared = eventOf(recovered, AlertUpdated.class).alert();
    assertThat(cleared.alertId()).isEqualTo(batteryAlert);
    assertThat(cleared.state()).isEqualTo(Alert.CLEARED);
  }

  @Test
  void aRestartedDeviceStillKnowsItsAlertsAndTheirStates() {
    ack(offlineAlert);

    device.restart();

    var again = device.<StatusReply<AlertAnswer>>runCommand(r -> new Device.AcknowledgeAlert(offlineAlert, "x", r));
    assertThat(again.reply().getValue().outcome()).isEqualTo(Outcome.UNCHANGED);
    var cleared = device.<StatusReply<AlertAnswer>>runCommand(r -> new Device.ClearAlert(offlineAlert, "operator", r));
    assertThat(eventOf(cleared, AlertUpdated.class).alert().revision()).isEqualTo(2);
  }

  private void ack(String alertId) {
    var result = device.<StatusReply<AlertAnswer>>runCommand(r -> new Device.AcknowledgeAlert(alertId, "operator", r));
    assertThat(result.reply().getValue().outcome()).isEqualTo(Outcome.CHANGED);
  }
}
