package io.fleet.device;

import static io.fleet.device.DeviceTesting.beat;
import static io.fleet.device.DeviceTesting.newDeviceId;
import static io.fleet.device.DeviceTesting.register;
import static io.fleet.device.DeviceTesting.send;
import static io.fleet.device.DeviceTesting.status;
import static io.fleet.device.DeviceTesting.view;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A device's journal stays short: old events are deleted after snapshots, and the device still recovers. */
class JournalRetentionTest {
  private static final ActorTestKit testKit = ActorTestKit.create(DeviceTesting.CONFIG);
  /** A snapshot every 5 events, the newest 2 kept: events older than the older snapshot are deleted. */
  private static final DeviceSettings SHORT_JOURNAL =
      DeviceTesting.settings("device.snapshot-every = 5\nretention.journal.keep-snapshots = 2");

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aDeviceRecoversItsStateAfterItsOldEventsWereDeleted() {
    String id = newDeviceId();
    var device = DeviceTesting.device(testKit, id, SHORT_JOURNAL);
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(Duration.ofHours(2));
    register(device, new DeviceRegistration(DeviceType.CAMERA, "Porch", "h-1", "front door"));
    // The firmware and the registration are journaled once, at the start: only a snapshot keeps them.
    send(device, beat(t0, 80, "1.4.2", null));
    for (int i = 1; i <= 20; i++) status(device, i % 2 == 0, t0.plusSeconds(60L * i));
    DeviceView before = view(device);
    String persistenceId = "Device|" + id;

    await("the events before the older kept snapshot are deleted").atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> {
          List<Object> kept = device.persistenceTestKit().persistedInStorage(persistenceId);
          assertThat(kept).isNotEmpty().hasSizeLessThanOrEqualTo(2 * 5 + 5)
              .noneMatch(e -> e instanceof DeviceEvent.Registered || e instanceof DeviceEvent.FirmwareChanged);
        });

    DeviceState recovered = device.restart().state();
    assertThat(recovered.registered()).isTrue();
    assertThat(recovered.registration().household()).isEqualTo("h-1");
    assertThat(recovered.firmware()).isEqualTo("1.4.2");
    assertThat(recovered.online()).isEqualTo(before.status() == ConnectionState.ONLINE);
    DeviceView after = view(device);
    assertThat(after.name()).isEqualTo("Porch");
    assertThat(after.firmware()).isEqualTo(before.firmware());
    assertThat(after.status()).isEqualTo(before.status());
    assertThat(after.statusSince()).isEqualTo(before.statusSince());
  }

  @Test
  void anErasedDeviceIsEmptyAgainAndAnswersWithTheSequenceNumberToDeleteUpTo() {
    String id = newDeviceId();
    var device = DeviceTesting.device(testKit, id, DeviceTesting.DEFAULTS);
    Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    register(device, new DeviceRegistration(DeviceType.CAMERA, "Porch", "h-1", "front door"));
    send(device, beat(t0, 80, "1.4.2", null));

    EventSourcedBehaviorTestKit.CommandResultWithReply<Device.Command, DeviceEvent, DeviceState, StatusReply<Device.ErasedUpTo>>
        erased = device.runCommand(r -> new Device.Erase("operator", r));

    assertThat(erased.event()).isInstanceOf(DeviceEvent.Erased.class);
    assertThat(erased.state()).isEqualTo(DeviceState.empty());
    long events = device.persistenceTestKit().persistedInStorage("Device|" + id).size();
    assertThat(erased.reply().getValue().sequenceNr()).isEqualTo(events);
    assertThat(device.restart().state()).isEqualTo(DeviceState.empty());
  }
}
