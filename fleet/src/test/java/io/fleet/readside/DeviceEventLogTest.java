package io.fleet.readside;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.device.DeviceEvent;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DeviceEventLogTest {

  @Test
  void everyKindOfDeviceEventButBookkeepingIsSearchable() {
    // Last seen, an episode's further motion reports, the saved anomaly model and trackers' fixes (in the
    // location table) are bookkeeping, not facts a person searches for.
    assertThat(Arrays.stream(DeviceEvent.class.getPermittedSubclasses())
            .filter(c -> c != DeviceEvent.LastSeenUpdated.class && c != DeviceEvent.MotionContinued.class
                && c != DeviceEvent.SensorBaselineSaved.class && c != DeviceEvent.LocationRecorded.class)
            .map(DeviceEventLog::typeOf))
        .containsExactlyInAnyOrderElementsOf(DeviceEventLog.TYPES);
  }

  @Test
  void typesAreTheEventNamesInSnakeCase() {
    assertThat(DeviceEventLog.typeOf(DeviceEvent.WentOffline.class)).isEqualTo("went_offline");
    assertThat(DeviceEventLog.typeOf(DeviceEvent.AlertRaised.class)).isEqualTo("alert_raised");
  }
}
