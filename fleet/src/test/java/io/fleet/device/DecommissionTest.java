package io.fleet.device;

import static io.fleet.device.DeviceTesting.DEFAULTS;
import static io.fleet.device.DeviceTesting.beat;
import static io.fleet.device.DeviceTesting.eventOf;
import static io.fleet.device.DeviceTesting.newDeviceId;
import static io.fleet.device.DeviceTesting.register;
import static io.fleet.device.DeviceTesting.send;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.device.DeviceEvent.AlertUpdated;
import io.fleet.device.DeviceEvent.Decommissioned;
import io.fleet.device.DeviceEvent.Registered;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Taking a device out of the fleet: its alerts cleared, its state forgotten, its messages refused. */
class DecommissionTest {
  private static final ActorTestKit testKit = ActorTestKit.create(DeviceTesting.CONFIG);
  private static final DeviceRegistration PORCH = new DeviceRegistration(DeviceType.CAMERA, "Porch", "h-1", "front door");

  private EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device;
  private Instant t0;
  private String offlineAlert;

  @BeforeEach
  void deviceWithAnOpenOfflineAlert() {
    device = DeviceTesting.device(testKit, newDeviceId(), DEFAULTS);
    t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    offlineAlert = DeviceTesting.withOfflineAlert(device, t0);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void decommissioningClearsOpenAlertsByTheOperatorAndForgetsTheDevice() {
    var result = decommission("operator");

    Alert cleared = eventOf(result, AlertUpdated.class).alert();
    assertThat(cleared.alertId()).isEqualTo(offlineAlert);
    assertThat(cleared.state()).isEqualTo(Alert.CLEARED);
    assertThat(cleared.clearedBy()).isEqualTo("operator");
    assertThat(eventOf(result, Decommissioned.class).by()).isEqualTo("operator");
    assertThat(result.state().registered()).isFalse();
    assertThat(result.state().decommissioned()).isTrue();
    assertThat(result.state().alerts().alerts()).isEmpty();
    assertThat(device.<StatusReply<DeviceView>>runCommand(Device.Get::new).reply().isError()).isTrue();
  }

  @Test
  void aDecommissionedDeviceDoesNotRegisterItselfAgainWithAHeartbeat() {
    decommission("operator");

    var heartbeat = send(device, beat(t0.plusSeconds(5)));

    assertThat(heartbeat.hasNoEvents()).isTrue();
    assertThat(heartbeat.reply().isError()).isTrue();
    assertThat(heartbeat.reply().getError().getMessage()).startsWith("unknown device").contains("decommissioned");
  }

  @Test
  void anOperatorCanRegisterADecommissionedDeviceAgain() {
    decommission("operator");

    var again = register(device, PORCH);

    assertThat(eventOf(again, Registered.class).type()).isEqualTo(DeviceType.CAMERA);
    assertThat(again.state().decommissioned()).isFalse();
    assertThat(send(device, beat(t0.plusSeconds(5))).reply().isSuccess()).isTrue();
  }

  @Test
  void decommissioningAnUnknownDeviceIsRefused() {
    var unknown = DeviceTesting.device(testKit, newDeviceId(), DEFAULTS);

    var result = unknown.<StatusReply<Done>>runCommand(r -> new Device.Decommission("operator", r));

    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.reply().getError().getMessage()).startsWith("unknown device");
  }

  @Test
  void aRestartedDeviceStillKnowsItWasDecommissioned() {
    decommission("operator");

    device.restart();

    assertThat(send(device, beat(t0.plusSeconds(5))).reply().isError()).isTrue();
  }

  private EventSourcedBehaviorTestKit.CommandResultWithReply<Device.Command, DeviceEvent, DeviceState, StatusReply<Done>> decommission(String who) {
    return device.runCommand(r -> new Device.Decommission(who, r));
  }
}
