package io.fleet.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.protocol.DeviceTopic.Kind;
import org.junit.jupiter.api.Test;

class DeviceTopicTest {

  @Test
  void fleetTopicsNameTheDeviceAndTheKind() {
    assertThat(DeviceTopic.parse("fleet/cam-1/heartbeat")).contains(new DeviceTopic("cam-1", Kind.HEARTBEAT));
    assertThat(DeviceTopic.parse("fleet/cam-1/status")).contains(new DeviceTopic("cam-1", Kind.STATUS));
    assertThat(DeviceTopic.parse("fleet/s.2_x/telemetry")).contains(new DeviceTopic("s.2_x", Kind.TELEMETRY));
    assertThat(DeviceTopic.parse("fleet/cam-1/motion")).contains(new DeviceTopic("cam-1", Kind.MOTION));
  }

  @Test
  void ownTracksTopicsAreLocationsOfTheLoggedInUser() {
    assertThat(DeviceTopic.parse("owntracks/simonuser/simonphone")).contains(new DeviceTopic("simonuser", Kind.LOCATION));
  }

  @Test
  void theOwnTracksAppsOtherTopicsAreKindsOfTheirOwn() {
    assertThat(DeviceTopic.parse("owntracks/ann/phone/event")).contains(new DeviceTopic("ann", Kind.TRANSITION));
    assertThat(DeviceTopic.parse("owntracks/ann/phone/waypoint")).contains(new DeviceTopic("ann", Kind.WAYPOINTS));
    assertThat(DeviceTopic.parse("owntracks/ann/phone/waypoints")).contains(new DeviceTopic("ann", Kind.WAYPOINTS));
    assertThat(DeviceTopic.parse(Topics.ownTracks("ann", "phone", Topics.OWNTRACKS_COMMAND)))
        .contains(new DeviceTopic("ann", Kind.COMMAND));
    assertThat(Kind.COMMAND.toDevice()).isTrue();
    assertThat(Kind.TRANSITION.toDevice()).isFalse();
  }

  @Test
  void labelsReadBackToTheirKinds() {
    for (Kind kind : Kind.values()) assertThat(Kind.fromLabel(kind.label())).contains(kind);
    assertThat(Kind.LOCATION.label()).as("the label records in Kafka already carry").isEqualTo("location");
  }

  @Test
  void otherTopicShapesAreNotUnderstood() {
    assertThat(DeviceTopic.parse("fleet/cam-1")).isEmpty();
    assertThat(DeviceTopic.parse("fleet/cam-1/heartbeat/extra")).isEmpty();
    assertThat(DeviceTopic.parse("fleet/cam-1/reboot")).isEmpty();
    assertThat(DeviceTopic.parse("fleet/cam-1/location")).isEmpty();
    assertThat(DeviceTopic.parse("other/cam-1/heartbeat")).isEmpty();
    assertThat(DeviceTopic.parse("fleet//heartbeat")).isEmpty();
    assertThat(DeviceTopic.parse("fleet/bad id!/heartbeat")).isEmpty();
    assertThat(DeviceTopic.parse("owntracks/user/")).isEmpty();
    assertThat(DeviceTopic.parse("owntracks/user//event")).isEmpty();
    assertThat(DeviceTopic.parse("owntracks/user/phone/")).isEmpty();
    assertThat(DeviceTopic.parse("owntracks/user/phone/info")).isEmpty();
    assertThat(DeviceTopic.parse("owntracks/user/phone/event/more")).isEmpty();
    assertThat(DeviceTopic.parse("owntracks/bad id!/phone/event")).isEmpty();
    assertThat(DeviceTopic.parse("fleet/cam-1/transition")).as("OwnTracks kinds only on OwnTracks topics").isEmpty();
    assertThat(DeviceTopic.parse("fleet/cam-1/command")).isEmpty();
    assertThat(DeviceTopic.parse("fleet/cam-1/event")).isEmpty();
  }

  @Test
  void deviceIdsAreLimitedToTopicAndUrlSafeCharacters() {
    assertThat(DeviceId.isValid("cam-01.front_door")).isTrue();
    assertThat(DeviceId.isValid("a".repeat(128))).isTrue();
    assertThat(DeviceId.isValid("a".repeat(129))).isFalse();
    assertThat(DeviceId.isValid("cam/1")).isFalse();
    assertThat(DeviceId.isValid("")).isFalse();
    assertThat(DeviceId.isValid(null)).isFalse();
  }

  @Test
  void dotsAloneAreNoDeviceIdSoNoKeyOrPathClimbsOutOfItsFolder() {
    assertThat(DeviceId.isValid(".")).isFalse();
    assertThat(DeviceId.isValid("..")).isFalse();
    assertThat(DeviceTopic.parse("fleet/../heartbeat")).isEmpty();
    assertThat(DeviceId.isValid("cam..1")).isTrue();
    assertThat(DeviceId.isValid(".cam")).isTrue();
  }
}
