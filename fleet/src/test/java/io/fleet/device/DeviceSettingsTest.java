package io.fleet.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code fleet.device} block as shipped, its validation, and how events are spread over tags. */
class DeviceSettingsTest {

  @Test
  void readsTheShippedDefaults() {
    DeviceSettings settings = DeviceTesting.DEFAULTS;

    assertThat(settings.autoRegister()).isTrue();
    assertThat(settings.defaultType()).isEqualTo(DeviceType.SENSOR);
    assertThat(settings.heartbeatIntervalS(DeviceType.CAMERA)).isEqualTo(10);
    assertThat(settings.heartbeatIntervalS(DeviceType.SENSOR)).isEqualTo(30);
    assertThat(settings.heartbeatIntervalS(DeviceType.TRACKER)).isEqualTo(15);
    assertThat(settings.batteryLowPercent()).isEqualTo(20);
    assertThat(settings.batteryRecoveredPercent()).isEqualTo(25);
    assertThat(settings.lastSeenPersistInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(settings.passivateAfter()).isEqualTo(Duration.ofMinutes(2));
    assertThat(settings.parkAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(settings.journal()).isEqualTo(new JournalRetention(100, 5, true));
    assertThat(settings.tagCount()).isEqualTo(4);
  }

  @Test
  void theSilenceWindowIsOfflineAfterMissedIntervals() {
    assertThat(DeviceTesting.DEFAULTS.silenceWindow(10)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void rejectsAParkAfterNoShorterThanTheLastSeenIntervalSinceNoOnlineDeviceWouldPark() {
    assertThatThrownBy(() -> DeviceTesting.settings("device { park-after = 60s, last-seen-persist-interval = 60s }"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("park-after");
    assertThat(DeviceTesting.settings("device { park-after = 0s, last-seen-persist-interval = 60s }").parkAfter()).isZero();
  }

  @Test
  void rejectsARecoveredLevelBelowTheLowLevel() {
    assertThatThrownBy(() -> DeviceTesting.settings("device.battery-recovered-percent = 10"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsAnUnknownDefaultType() {
    assertThatThrownBy(() -> DeviceTesting.settings("device.default-type = drone"))
        .hasMessageContaining("drone");
  }

  @Test
  void everyDeviceHasOneOfTheTagsAndItIsAlwaysTheSame() {
    assertThat(Device.tags(4)).containsExactly("device-0", "device-1", "device-2", "device-3");
    for (String id : new String[] {"cam-1", "sensor-77", "polygenelubricants", ""}) {
      assertThat(Device.tags(4)).contains(Device.tagFor(id, 4));
      assertThat(Device.tagFor(id, 4)).isEqualTo(Device.tagFor(id, 4));
    }
  }
}
