package io.fleet.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.protocol.DeviceKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceHealthTest {

  private static final Instant BOOT = Instant.parse("2026-11-23T00:00:00Z");

  @Test
  void batteryDrainsSlowlyAndNeverRisesOrLeavesItsRange() {
    DeviceHealth health = new DeviceHealth(DeviceKind.SENSOR, "1.4.2", 42, BOOT);
    health.setBattery(80);

    List<Integer> hourly = batteryEveryHour(health, 24);

    assertThat(hourly).isSortedAccordingTo((a, b) -> Integer.compare(b, a));
    assertThat(hourly).allSatisfy(level -> assertThat(level).isBetween(0, 100));
    assertThat(hourly.get(hourly.size() - 1)).isBetween(80 - 40, 80 - 10);
  }

  @Test
  void trackersDrainFasterThanCameras() {
    DeviceHealth camera = new DeviceHealth(DeviceKind.CAMERA, "1.4.2", 1, BOOT);
    DeviceHealth tracker = new DeviceHealth(DeviceKind.TRACKER, "1.4.2", 1, BOOT);
    camera.setBattery(100);
    tracker.setBattery(100);

    int cameraLeft = batteryEveryHour(camera, 10).get(9);
    int trackerLeft = batteryEveryHour(tracker, 10).get(9);

    assertThat(trackerLeft).isLessThan(cameraLeft);
  }

  @Test
  void anEmptyBatteryStaysEmpty() {
    DeviceHealth health = new DeviceHealth(DeviceKind.TRACKER, "1.4.2", 7, BOOT);
    health.setBattery(1);

    assertThat(batteryEveryHour(health, 5)).endsWith(0, 0, 0);
  }

  @Test
  void signalWobblesAroundTheDevicesOwnLevelWithinRadioRange() {
    DeviceHealth health = new DeviceHealth(DeviceKind.CAMERA, "1.4.2", 3, BOOT);

    List<Integer> rssi = new ArrayList<>();
    for (int second = 1; second <= 200; second++) {
      rssi.add(health.read(BOOT.plusSeconds(second)).rssi());
    }

    assertThat(rssi).allSatisfy(value -> assertThat(value).isBetween(DeviceHealth.WEAKEST_RSSI, DeviceHealth.STRONGEST_RSSI));
    assertThat(rssi.stream().distinct().count()).as("noisy").isGreaterThan(3);
    assertThat(rssi.stream().mapToInt(Integer::intValue).max().getAsInt()
        - rssi.stream().mapToInt(Integer::intValue).min().getAsInt()).as("but around one level").isLessThan(30);
  }

  @Test
  void reportsWhatATestSetsAndTheTimeSinceBoot() {
    DeviceHealth health = new DeviceHealth(DeviceKind.CAMERA, "1.4.2", 9, BOOT);
    health.setBattery(15);
    health.setFirmware("1.5.0");

    DeviceHealth.Reading reading = health.read(BOOT.plus(Duration.ofSeconds(90)));

    assertThat(reading.battery()).isEqualTo(15);
    assertThat(reading.firmware()).isEqualTo("1.5.0");
    assertThat(reading.uptimeS()).isEqualTo(90);
  }

  @Test
  void theSameSeedGivesTheSameDevice() {
    DeviceHealth one = new DeviceHealth(DeviceKind.SENSOR, "1.4.2", 11, BOOT);
    DeviceHealth other = new DeviceHealth(DeviceKind.SENSOR, "1.4.2", 11, BOOT);

    assertThat(batteryEveryHour(one, 5)).isEqualTo(batteryEveryHour(other, 5));
  }

  private static List<Integer> batteryEveryHour(DeviceHealth health, int hours) {
    List<Integer> levels = new ArrayList<>();
    for (int hour = 1; hour <= hours; hour++) {
      levels.add(health.read(BOOT.plus(Duration.ofHours(hour))).battery());
    }
    return levels;
  }
}
