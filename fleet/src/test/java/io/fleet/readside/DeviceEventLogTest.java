package io.fleet.readside;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.device.DeviceEvent;
import io.fleet.device.DeviceType;
import io.fleet.device.MotionReport;
import io.fleet.device.OfflineReason;
import io.fleet.tracking.RegionTransition;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceEventLogTest {

  @Test
  void everyKindOfDeviceEventButBookkeepingIsSearchable() {
    // Last seen, the saved anomaly model, trackers' fixes (in the
    // location table) and their regions (in the device's view) are bookkeeping, not facts a person searches for;
    // an erase leaves no trace of the device (its rows go with it).
    assertThat(Arrays.stream(DeviceEvent.class.getPermittedSubclasses())
            .filter(c -> c != DeviceEvent.LastSeenUpdated.class
                && c != DeviceEvent.SensorBaselineSaved.class && c != DeviceEvent.LocationRecorded.class
                && c != DeviceEvent.RegionsChanged.class && c != DeviceEvent.Erased.class)
            .map(DeviceEventLog::typeOf))
        .containsExactlyInAnyOrderElementsOf(DeviceEventLog.TYPES);
  }

  @Test
  void typesAreTheEventNamesInSnakeCase() {
    assertThat(DeviceEventLog.typeOf(DeviceEvent.WentOffline.class)).isEqualTo("went_offline");
    assertThat(DeviceEventLog.typeOf(DeviceEvent.AlertRaised.class)).isEqualTo("alert_raised");
    assertThat(DeviceEventLog.typeOf(DeviceEvent.EnteredRegion.class)).isEqualTo("entered_region");
    assertThat(DeviceEventLog.typeOf(DeviceEvent.LeftRegion.class)).isEqualTo("left_region");
  }

  @Test
  void aRegionTransitionIsLoggedWithTheRegionsNameAndWhatTheAppSaid() {
    Instant tst = Instant.parse("2026-11-20T10:00:00Z");
    var entered = new DeviceEvent.EnteredRegion("ph-1", tst.plusSeconds(2),
        new RegionTransition(tst, true, "Home", "a1b2", tst.minusSeconds(86_400), 52.5, 13.4, 12.0, "c"));
    var left = new DeviceEvent.LeftRegion("ph-1", tst.plusSeconds(2),
        new RegionTransition(tst, false, "Work", null, null, null, null, null, null));

    assertThat(DeviceEventLog.detail(entered).orElseThrow().toString()).isEqualTo("{\"region\":\"Home\",\"event\":\"enter\","
        + "\"tst\":\"2026-11-20T10:00:00Z\",\"lat\":52.5,\"lon\":13.4,\"acc\":12.0,\"wtst\":\"2026-11-19T10:00:00Z\","
        + "\"rid\":\"a1b2\",\"t\":\"c\"}");
    assertThat(DeviceEventLog.detail(left).orElseThrow().get("region").asText()).isEqualTo("Work");
    assertThat(DeviceEventLog.detail(left).orElseThrow().get("event").asText()).isEqualTo("leave");
    assertThat(DeviceEventLog.detail(new DeviceEvent.RegionsChanged("ph-1", tst, List.of()))).isEmpty();
  }

  @Test
  void anEventIsFiledByWhenItHappenedOnTheDeviceAndWithoutADeviceTimeByItsReceipt() {
    Instant happened = Instant.parse("2026-11-20T01:00:00Z");
    Instant received = Instant.parse("2026-12-05T09:00:00Z");
    MotionReport seed = new MotionReport("1700000000", happened, received, null, null, "https://elsewhere/c.mp4",
        "motion was detected", DeviceType.CAMERA, "yard camera");
    var transition = new DeviceEvent.LeftRegion("ph-1", received,
        new RegionTransition(happened, false, "Work", null, null, null, null, null, null));

    assertThat(DeviceEventLog.occurredAt(new DeviceEvent.MotionStarted("7001", received, seed, true, null))).isEqualTo(happened);
    assertThat(DeviceEventLog.occurredAt(transition)).isEqualTo(happened);
    assertThat(DeviceEventLog.occurredAt(new DeviceEvent.CameOnline("7001", received, 30, happened))).isEqualTo(happened);
    assertThat(DeviceEventLog.occurredAt(new DeviceEvent.BatteryLow("7001", received, 9, happened))).isEqualTo(happened);
    assertThat(DeviceEventLog.occurredAt(new DeviceEvent.FirmwareChanged("7001", received, "1", "2", happened)))
        .isEqualTo(happened);
    assertThat(DeviceEventLog.occurredAt(new DeviceEvent.CameOnline("7001", received, 30, null))).as("by a status message")
        .isEqualTo(received);
    assertThat(DeviceEventLog.occurredAt(new DeviceEvent.WentOffline("7001", received, OfflineReason.SILENT, happened)))
        .as("Fleet's judgement").isEqualTo(received);
    assertThat(DeviceEventLog.occurredAt(new DeviceEvent.MotionStarted("7001", received,
        new MotionReport("m-1", null, received, null, null, null, null, null, null), true, null))).isEqualTo(received);
  }
}
