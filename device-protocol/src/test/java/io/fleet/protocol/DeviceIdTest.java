package io.fleet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** One id rule for devices and Fleet: what a device may call itself is what Fleet takes. */
class DeviceIdTest {

  @Test
  void lettersDigitsDotsDashesAndUnderscoresUpTo128AreDeviceIds() {
    assertThat(DeviceId.isValid("cam-01")).isTrue();
    assertThat(DeviceId.isValid("7001")).isTrue();
    assertThat(DeviceId.isValid("porch.cam_2")).isTrue();
    assertThat(DeviceId.isValid("a".repeat(128))).isTrue();
  }

  @Test
  void emptyTooLongDotsAloneSeparatorsWildcardsAndSpacesAreNot() {
    for (String bad : new String[] {"", "a".repeat(129), ".", "..", "a/b", "a+b", "a#", "a b", "$SYS", "caméra", null}) {
      assertThat(DeviceId.isValid(bad)).as("'%s'", bad).isFalse();
    }
  }

  @Test
  void aTopicIsBuiltOnlyForAValidIdAndParsesBackToItsDeviceAndKind() {
    assertThat(DeviceTopic.parse(Topics.heartbeat("cam-01"))).contains(new DeviceTopic("cam-01", DeviceTopic.Kind.HEARTBEAT));
    assertThat(DeviceTopic.parse(Topics.motion("cam-01"))).contains(new DeviceTopic("cam-01", DeviceTopic.Kind.MOTION));
    assertThat(DeviceTopic.parse(Topics.ownTracks("ann", "phone"))).contains(new DeviceTopic("ann", DeviceTopic.Kind.LOCATION));
    assertThatThrownBy(() -> Topics.status("a/b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Topics.telemetry("..")).isInstanceOf(IllegalArgumentException.class);
  }
}
