package io.fleet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class HeartbeatMessageTest {

  private static final Instant TS = Instant.parse("2026-11-23T20:00:00.123Z");

  @Test
  void isWrittenAsTheFlatJsonObjectDevicesPublish() {
    HeartbeatMessage heartbeat = new HeartbeatMessage(TS, 87, -61, "1.4.2", 3600, 5, DeviceKind.CAMERA, "household-7");

    assertThat(new String(heartbeat.toJson(), StandardCharsets.UTF_8)).isEqualTo(
        "{\"ts\":\"2026-11-23T20:00:00.123Z\",\"battery\":87,\"rssi\":-61,\"firmware\":\"1.4.2\","
            + "\"uptime_s\":3600,\"interval_s\":5,\"type\":\"camera\",\"household\":\"household-7\"}");
  }

  @Test
  void carriesTheErrorsADeviceCounts() throws Exception {
    HeartbeatMessage heartbeat = new HeartbeatMessage(TS, 87, -61, "1.4.2", 3600, 5, DeviceKind.CAMERA, "household-7", 3);

    assertThat(new ObjectMapper().readTree(heartbeat.toJson()).get("errors").intValue()).isEqualTo(3);
    assertThatThrownBy(() -> new HeartbeatMessage(TS, 87, -61, "1.4.2", 3600, 5, DeviceKind.CAMERA, "household-7", -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void carriesTypedFieldsAJsonParserReadsBack() throws Exception {
    HeartbeatMessage heartbeat = new HeartbeatMessage(TS, 0, -90, "2.0.0-rc.1", 5_000_000_000L, 30, DeviceKind.TRACKER, "h \"q\"");

    JsonNode json = new ObjectMapper().readTree(heartbeat.toJson());

    assertThat(Instant.parse(json.get("ts").textValue())).isEqualTo(TS);
    assertThat(json.get("battery").isInt()).isTrue();
    assertThat(json.get("battery").intValue()).isZero();
    assertThat(json.get("rssi").intValue()).isEqualTo(-90);
    assertThat(json.get("firmware").textValue()).isEqualTo("2.0.0-rc.1");
    assertThat(json.get("uptime_s").isLong()).isTrue();
    assertThat(json.get("uptime_s").longValue()).isEqualTo(5_000_000_000L);
    assertThat(json.get("interval_s").intValue()).isEqualTo(30);
    assertThat(json.get("type").textValue()).isEqualTo("tracker");
    assertThat(json.get("household").textValue()).isEqualTo("h \"q\"");
  }

  @Test
  void refusesValuesNoDeviceCouldReport() {
    assertThatThrownBy(() -> new HeartbeatMessage(TS, 101, -60, "1.4.2", 1, 5, DeviceKind.SENSOR, "household-1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("battery");
    assertThatThrownBy(() -> new HeartbeatMessage(TS, 50, -60, "1.4.2", -1, 5, DeviceKind.SENSOR, "household-1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("uptime_s");
    assertThatThrownBy(() -> new HeartbeatMessage(TS, 50, -60, "1.4.2", 1, 0, DeviceKind.SENSOR, "household-1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval_s");
  }

  @Test
  void deviceIdsThatWouldBreakTopicsAreRefused() {
    assertThat(Topics.heartbeat("cam-1")).isEqualTo("fleet/cam-1/heartbeat");
    assertThat(Topics.status("cam-1")).isEqualTo("fleet/cam-1/status");
    for (String bad : new String[] {"", "a/b", "a+", "#", "a b"}) {
      assertThatThrownBy(() -> Topics.heartbeat(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
