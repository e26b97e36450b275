package io.fleet.device;

import static io.fleet.device.DeviceTesting.DEFAULTS;
import static io.fleet.device.DeviceTesting.beat;
import static io.fleet.device.DeviceTesting.eventOf;
import static io.fleet.device.DeviceTesting.newDeviceId;
import static io.fleet.device.DeviceTesting.register;
import static io.fleet.device.DeviceTesting.send;
import static io.fleet.device.DeviceTesting.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fleet.device.DeviceEvent.AlertRaised;
import io.fleet.device.DeviceEvent.AlertUpdated;
import io.fleet.device.DeviceEvent.ClipStored;
import io.fleet.device.DeviceEvent.MotionContinued;
import io.fleet.device.DeviceEvent.MotionEnded;
import io.fleet.device.DeviceEvent.MotionStarted;
import io.fleet.device.DeviceEvent.Registered;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A camera's motion episodes, clips and alerts, one command at a time. Reports are stamped relative to
 * now, so the quiet period (10 s), cooldown (30 s) and clip wait (10 s) of the defaults elapse only where
 * a test stamps a report far enough in the past and then sends the timer's message itself.
 */
class MotionTest {
  private static final ActorTestKit testKit = ActorTestKit.create(DeviceTesting.CONFIG);
  private static final DeviceRegistration PORCH = new DeviceRegistration(DeviceType.CAMERA, "Porch", "h-1", "front door");

  private String id;
  private EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device;
  private Instant now;

  @BeforeEach
  void newCamera() {
    id = newDeviceId();
    device = DeviceTesting.device(testKit, id, DEFAULTS);
    now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    register(device, PORCH);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void theFirstEventStartsAnEpisodeAndRaisesOneAlertWithADeterministicId() {
    var result = motion("e-1", now, null);

    MotionStarted started = eventOf(result, MotionStarted.class);
    assertThat(started.alerting()).isTrue();
    Alert alert = eventOf(result, AlertRaised.class).alert();
    assertThat(alert.alertId()).isEqualTo(id + ":e-1");
    assertThat(alert.kind()).isEqualTo(AlertKind.MOTION);
    assertThat(alert.deviceName()).isEqualTo("Porch");
    assertThat(alert.household()).isEqualTo("h-1");
    assertThat(alert.clipVerified()).isFalse();
    assertThat(alert.revision()).isZero();
    assertThat(result.state().motion().active()).isTrue();
    DeviceView view = DeviceTesting.view(device);
    assertThat(view.motion()).isEqualTo("active");
    assertThat(view.lastMotionAlertId()).isEqualTo(id + ":e-1");
  }

  @Test
  void aRedeliveredEventIdIsIgnored() {
    motion("e-1", now, null);

    var again = motion("e-1", now.plusSeconds(1), null);

    assertThat(again.hasNoEvents()).isTrue();
    assertThat(again.reply().isSuccess()).isTrue();
  }

  @Test
  void laterEventsOfTheEpisodeContinueItWithoutAnotherAlert() {
    motion("e-1", now, null);

    var later = motion("e-2", now.plusSeconds(2), null);

    assertThat(later.events()).singleElement().isInstanceOf(MotionContinued.class);
    assertThat(later.state().motion().lastEventAt()).isEqualTo(now.plusSeconds(2));
  }

  @Test
  void aBurstOfFiftyEventsRaisesOneAlert() {
    List<DeviceEvent> events = IntStream.range(0, 50)
        .mapToObj(i -> motion("burst-" + i, now.plusMillis(200L * i), null).events())
        .flatMap(List::stream).toList();

    assertThat(events.stream().map(DeviceEvent::alertOf).flatMap(Optional::stream)).as("alerts").hasSize(1);
    assertThat(events).filteredOn(MotionStarted.class::isInstance).hasSize(1);
  }

  @Test
  void aReportAQuietPeriodAfterTheLastOneBeginsANewEpisodeBeforeTheTimerFired() {
    motion("e-1", now, null);

    // 11 s later by the reports' own times; the quiet timer (armed for 10 s from now) has not fired.
    var next = motion("e-2", now.plusSeconds(11), null);

    assertThat(next.events()).extracting(e -> (Class) e.getClass()).startsWith(MotionEnded.class, MotionStarted.class);
    assertThat(eventOf(next, MotionEnded.class).episodeEventId()).isEqualTo("e-1");
    assertThat(eventOf(next, MotionEnded.class).at()).isEqualTo(now.plusSeconds(10));
    assertThat(next.state().motion().episode().eventId()).isEqualTo("e-2");
  }

  @Test
  void theEpisodeEndsOnlyAfterTheQuietPeriod() {
    motion("e-1", now.minusSeconds(5), null);
    assertThat(device.runCommand(Device.MotionQuietCheck.INSTANCE).hasNoEvents()).isTrue();
    assertThat(device.getState().motion().active()).isTrue();
  }

  @Test
  void theQuietTimerEndsAnEpisodeThatWasQuietLongEnough() {
    // Last event 11 s ago: the timer is armed with nothing left and fires at once.
    motion("e-1", now.minusSeconds(11), null);

    await().pollInSameThread().atMost(Duration.ofSeconds(5)).until(() -> !device.getState().motion().active());
    assertThat(persisted()).filteredOn(MotionEnded.class::isInstance).singleElement()
        .extracting(e -> ((MotionEnded) e).episodeEventId()).isEqualTo("e-1");
  }

  @Test
  void anEpisodeWithinTheCooldownRaisesNoAlertOneAfterItDoes() {
    motion("e-1", now.minusSeconds(40), null);
    await().pollInSameThread().atMost(Duration.ofSeconds(5)).until(() -> !device.getState().motion().active());
    // The first alert was raised at now-40s: an episode at now-20s is within the 30 s cooldown.
    var within = motion("e-2", now.minusSeconds(20), null);
    assertThat(eventOf(within, MotionStarted.class).alerting()).isFalse();
    assertThat(within.events()).noneMatch(AlertRaised.class::isInstance);
    await().pollInSameThread().atMost(Duration.ofSeconds(5)).until(() -> !device.getState().motion().active());

    var after = motion("e-3", now, null);

    assertThat(eventOf(after, AlertRaised.class).alert().alertId()).isEqualTo(id + ":e-3");
  }

  @Test
  void anEventNamingAClipNotYetStoredWaitsAndTheStoredClipRaisesTheAlertVerified() {
    var event = motion("e-1", now, "clip-1");
    assertThat(event.events()).noneMatch(AlertRaised.class::isInstance);
    assertThat(event.state().motion().waitingForClip()).isTrue();

    var stored = store(clip("clip-1"));

    assertThat(eventOf(stored, ClipStored.class).clip().key()).isEqualTo("clips/" + id + "/clip-1.mp4");
    Alert alert = eventOf(stored, AlertRaised.class).alert();
    assertThat(alert.clipVerified()).isTrue();
    assertThat(alert.clipId()).isEqualTo("clip-1");
    assertThat(alert.url()).isEqualTo(clip("clip-1").url());
    assertThat(stored.state().motion().waitingForClip()).isFalse();
  }

  @Test
  void aClipStoredBeforeItsEventIsVerifiedInTheAlertAtOnce() {
    store(clip("clip-1"));

    var event = motion("e-1", now, "clip-1");

    Alert alert = eventOf(event, AlertRaised.class).alert();
    assertThat(alert.clipVerified()).isTrue();
    assertThat(alert.clips()).containsExactly("clip-1");
  }

  @Test
  void aReportToldWithItsStoredClipRaisesItsAlertVerifiedInOneWrite() {
    var event = device.<StatusReply<Done>>runCommand(r -> new Device.RecordMotion(report("e-1", now, "clip-1"), clip("clip-1"), r));

    // Two journal rows: the clip, and the episode's start with its alert.
    assertThat(event.events()).hasExactlyElementsOfTypes(ClipStored.class, MotionStarted.class);
    Alert alert = ((MotionStarted) event.events().get(1)).alert();
    assertThat(eventOf(event, AlertRaised.class).alert()).isEqualTo(alert);
    assertThat(alert.clipVerified()).isTrue();
    assertThat(alert.clips()).containsExactly("clip-1");
    assertThat(event.state().motion().waitingForClip()).isFalse();
  }

  @Test
  void anUnknownCameraToldAReportWithItsClipRegistersItselfAndAlertsVerified() {
    var unknown = DeviceTesting.device(testKit, newDeviceId(), DEFAULTS);

    var result = unknown.<StatusReply<Done>>runCommand(r -> new Device.RecordMotion(report("e-1", now, "clip-1"), clip("clip-1"), r));

    assertThat(result.reply().isSuccess()).isTrue();
    assertThat(eventOf(result, Registered.class).selfRegistered()).isTrue();
    assertThat(eventOf(result, AlertRaised.class).alert().clipVerified()).isTrue();
  }

  @Test
  void withoutItsClipAfterTheWaitTheAlertGoesOutUnverifiedAndIsUpdatedWhenTheClipArrives() {
    // Waiting since 11 s ago: the clip-wait timer is armed with nothing left and fires at once.
    motion("e-1", now.minusSeconds(11), "clip-1");

    await().pollInSameThread().atMost(Duration.ofSeconds(5)).until(() -> device.getState().motion().alert() != null);
    Alert unverified = device.getState().motion().alert();
    assertThat(unverified.clipVerified()).isFalse();
    assertThat(unverified.clipId()).isEqualTo("clip-1");
    assertThat(unverified.url()).isNull();

    var stored = store(clip("clip-1"));
    Alert updated = eventOf(stored, AlertUpdated.class).alert();
    assertThat(updated.alertId()).isEqualTo(unverified.alertId());
    assertThat(updated.revision()).isEqualTo(1);
    assertThat(updated.clipVerified()).isTrue();
    assertThat(updated.url()).isEqualTo(clip("clip-1").url());
  }

  @Test
  void theClipWaitDoesNothingBeforeItIsOver() {
    motion("e-1", now.minusSeconds(3), "clip-1");

    assertThat(device.runCommand(Device.ClipWaitOver.INSTANCE).hasNoEvents()).isTrue();
  }

  @Test
  void laterClipsOfTheEpisodeAttachToItsAlert() {
    store(clip("clip-1"));
    motion("e-1", now, "clip-1");
    motion("e-2", now.plusSeconds(1), "clip-2");

    var stored = store(clip("clip-2"));

    Alert updated = eventOf(stored, AlertUpdated.class).alert();
    assertThat(updated.clipId()).isEqualTo("clip-1");
    assertThat(updated.clips()).containsExactly("clip-1", "clip-2");
    assertThat(updated.revision()).isEqualTo(1);
  }

  @Test
  void aClipStoredTwiceIsJournaledOnce() {
    store(clip("clip-1"));

    assertThat(store(clip("clip-1")).hasNoEvents()).isTrue();
  }

  @Test
  void aClipForAnUnknownDeviceIsRefused() {
    var unknown = DeviceTesting.device(testKit, newDeviceId(), DEFAULTS);

    var result = unknown.<StatusReply<Done>>runCommand(r -> new Device.StoreClip(clip("clip-1"), r));

    assertThat(result.reply().isError()).isTrue();
    assertThat(result.hasNoEvents()).isTrue();
  }

  @Test
  void motionFromAnUnknownDeviceRegistersItAsWhatItSays() {
    var unknown = DeviceTesting.device(testKit, "seed-7", DEFAULTS);
    MotionReport seed = new MotionReport("1700000000", now, now, null, null, "https://elsewhere/c.mp4",
        "motion was detected", DeviceType.CAMERA, "yard camera");

    var result = unknown.<StatusReply<Done>>runCommand(r -> Device.RecordMotion.withoutClip(seed, r));

    Registered registered = eventOf(result, Registered.class);
    assertThat(registered.name()).isEqualTo("yard camera");
    assertThat(registered.selfRegistered()).isTrue();
    Alert alert = eventOf(result, AlertRaised.class).alert();
    assertThat(alert.alertId()).isEqualTo("seed-7:1700000000");
    assertThat(alert.url()).isEqualTo("https://elsewhere/c.mp4");
    assertThat(alert.clipVerified()).isFalse();
  }

  @Test
  void aRestartedCameraKnowsItsEpisodeItsEventIdsAndItsAlert() {
    motion("e-1", now, "clip-1");
    store(clip("clip-1"));

    device.restart();

    assertThat(motion("e-1", now.plusSeconds(1), "clip-1").hasNoEvents()).isTrue();
    var later = motion("e-2", now.plusSeconds(2), null);
    assertThat(later.events()).singleElement().isInstanceOf(MotionContinued.class);
    assertThat(later.state().motion().alert().clipVerified()).isTrue();
    assertThat(store(clip("clip-1")).hasNoEvents()).isTrue();
  }

  @Test
  void aRestartedCameraArmsItsTimersAgainSoAWaitingAlertStillGoesOutAndTheEpisodeEnds() {
    // 9 s into the 10 s clip wait and quiet period: the timers die with the restart, recovery re-arms them.
    motion("e-1", now.minusSeconds(9), "clip-1");

    device.restart();

    await().pollInSameThread().atMost(Duration.ofSeconds(5))
        .until(() -> device.getState().motion().alert() != null && !device.getState().motion().active());
    assertThat(device.getState().motion().alert().clipVerified()).isFalse();
    assertThat(persisted()).filteredOn(AlertRaised.class::isInstance).hasSize(1);
  }

  @Test
  void goingOfflineAndALowBatteryRaiseAlertsWithTheirOwnCooldown() {
    send(device, beat(now.minusSeconds(1), 50, null, null));

    var offline = status(device, false, now);
    Alert alert = eventOf(offline, AlertRaised.class).alert();
    assertThat(alert.kind()).isEqualTo(AlertKind.OFFLINE);
    assertThat(alert.alertId()).isEqualTo(id + ":offline:" + now.toEpochMilli());
    send(device, beat(now.plusSeconds(1), 50, null, null));
    assertThat(status(device, false, now.plusSeconds(2)).events()).noneMatch(AlertRaised.class::isInstance);

    var low = send(device, beat(now.plusSeconds(3), 10, null, null));
    assertThat(eventOf(low, AlertRaised.class).alert().kind()).isEqualTo(AlertKind.BATTERY_LOW);
    assertThat(eventOf(low, AlertRaised.class).alert().severity()).isEqualTo("info");
  }

  private CommandResultWithReply<Device.Command, DeviceEvent, DeviceState, StatusReply<Done>> motion(
      String eventId, Instant at, String clipId) {
    return device.runCommand(r -> Device.RecordMotion.withoutClip(report(eventId, at, clipId), r));
  }

  private CommandResultWithReply<Device.Command, DeviceEvent, DeviceState, StatusReply<Done>> store(StoredClip clip) {
    return device.runCommand(r -> new Device.StoreClip(clip, r));
  }

  private List<Object> persisted() {
    return device.persistenceTestKit().persistedInStorage("Device|" + id);
  }

  private static MotionReport report(String eventId, Instant at, String clipId) {
    return new MotionReport(eventId, at, at, 0.8, clipId, null, null, null, null);
  }

  private StoredClip clip(String clipId) {
    String key = "clips/" + id + "/" + clipId + ".mp4";
    return new StoredClip(clipId, key, "http://s3/fleet-clips/" + key, 1024, "video/mp4", now);
  }
}
