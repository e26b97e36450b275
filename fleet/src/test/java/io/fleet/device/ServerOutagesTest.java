package io.fleet.device;

import static io.fleet.device.DeviceTesting.DEFAULTS;
import static io.fleet.device.DeviceTesting.beat;
import static io.fleet.device.DeviceTesting.newDeviceId;
import static io.fleet.device.DeviceTesting.register;
import static io.fleet.device.DeviceTesting.send;
import static io.fleet.device.DeviceTesting.view;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.device.DeviceEvent.WentOffline;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A device's silence does not count while a server its messages pass through is down, nor before it is back. */
class ServerOutagesTest {
  private static final DeviceRegistration PORCH = new DeviceRegistration(DeviceType.CAMERA, "Porch", "h-1", "front door");

  private ActorTestKit testKit;
  private ServerOutages outages;
  private EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device;
  private Instant now;

  @BeforeEach
  void cameraLastHeardAMinuteAgo() {
    testKit = ActorTestKit.create(DeviceTesting.CONFIG);
    outages = ServerOutages.get(testKit.system());
    device = DeviceTesting.device(testKit, newDeviceId(), DEFAULTS);
    now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    register(device, PORCH);
    // Twice its silence window (3 × 10 s) ago.
    send(device, beat(now.minusSeconds(60)));
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void withoutAnOutageASilentDeviceGoesOffline() {
    var result = device.runCommand(Device.SilenceTimeout.INSTANCE);

    assertThat(result.events()).first().isInstanceOf(WentOffline.class);
  }

  @Test
  void whileTheDatabaseIsDownNoDeviceGoesOfflineForSilence() {
    outages.checked("database", false, now.minusSeconds(50));

    var result = device.runCommand(Device.SilenceTimeout.INSTANCE);

    assertThat(result.hasNoEvents()).isTrue();
    assertThat(view(device).status()).isEqualTo(ConnectionState.ONLINE);
  }

  @Test
  void afterAnOutageADeviceGetsAFullWindowFromWhenEveryServerWasBack() {
    outages.checked("database", false, now.minusSeconds(50));
    outages.checked("kafka", false, now.minusSeconds(40));
    outages.checked("database", true, now.minusSeconds(30));
    outages.checked("kafka", true, now.minusSeconds(5));

    assertThat(device.runCommand(Device.SilenceTimeout.INSTANCE).hasNoEvents()).as("kafka back 5 s ago").isTrue();
    assertThat(outages.hearingSince()).contains(now.minusSeconds(5));
  }

  @Test
  void aServerFoundUpAgainAndAgainEndsNoOutage() {
    outages.checked("mqtt", true, now.minusSeconds(5));

    assertThat(outages.hearingSince()).contains(Instant.EPOCH);
    assertThat(device.runCommand(Device.SilenceTimeout.INSTANCE).events()).first().isInstanceOf(WentOffline.class);
  }
}
