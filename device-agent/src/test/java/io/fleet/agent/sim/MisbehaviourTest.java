package io.fleet.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleet.protocol.DeviceKind;
import io.fleet.protocol.HeartbeatMessage;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MisbehaviourTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HeartbeatMessage HEARTBEAT =
      new HeartbeatMessage(Instant.parse("2026-11-24T06:00:00Z"), 80, -60, "1.4.2", 10, 5, DeviceKind.SENSOR, "household-1");

  @Test
  void aShareOfTheFleetMisbehavesSpreadEvenlyEachMisbehaviourInTurn() {
    List<DevicePlan> plan = SimulatedFleet.builder().cameras(50).sensors(30).trackers(20).misbehaving(0.1).plan();

    List<DevicePlan> misbehaving = plan.stream().filter(d -> d.misbehaviour() != null).toList();
    assertThat(plan).hasSize(100);
    assertThat(misbehaving).extracting(DevicePlan::id).containsExactly(
        "sim-0000", "sim-0010", "sim-0020", "sim-0030", "sim-0040", "sim-0050", "sim-0060", "sim-0070", "sim-0080", "sim-0090");
    Map<Misbehaviour, Long> counts = misbehaving.stream().collect(Collectors.groupingBy(DevicePlan::misbehaviour, Collectors.counting()));
    assertThat(counts).containsOnlyKeys(Misbehaviour.values()).allSatisfy((m, n) -> assertThat(n).isEqualTo(2));
    assertThat(plan).extracting(DevicePlan::kind).containsSequence(DeviceKind.CAMERA, DeviceKind.SENSOR)
        .filteredOn(k -> k == DeviceKind.TRACKER).hasSize(20);
    assertThat(SimulatedFleet.builder().devices(10).plan()).allSatisfy(d -> assertThat(d.misbehaviour()).isNull());
    assertThat(SimulatedFleet.builder().devices(10).misbehaving(1, Misbehaviour.OVERSIZED).plan())
        .allSatisfy(d -> assertThat(d.misbehaviour()).isEqualTo(Misbehaviour.OVERSIZED));
    assertThatThrownBy(() -> SimulatedFleet.builder().misbehaving(1.5)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void brokenJsonIsNotJson() {
    byte[] broken = Misbehaviour.MALFORMED_JSON.corrupt(HEARTBEAT, 0);

    assertThatThrownBy(() -> JSON.readTree(broken)).isInstanceOf(IOException.class);
  }

  @Test
  void anOversizedHeartbeatHasExactlyTheSizeAsked() throws Exception {
    byte[] big = Misbehaviour.OVERSIZED.corrupt(HEARTBEAT, 300_000);

    assertThat(big).hasSize(300_000);
    assertThat(JSON.readTree(big).get("ts").asText()).isEqualTo("2026-11-24T06:00:00Z");
  }

  @Test
  void wrongTypesAreValidJsonWithStringsWhereNumbersBelong() throws Exception {
    JsonNode json = JSON.readTree(Misbehaviour.WRONG_TYPES.corrupt(HEARTBEAT, 0));

    assertThat(json.get("battery").isTextual()).isTrue();
    assertThat(json.get("rssi").isTextual()).isTrue();
    assertThat(json.get("ts").asText()).isEqualTo("2026-11-24T06:00:00Z");
  }

  @Test
  void anUnknownDeviceSendsAValidHeartbeatAndEachMisbehaviourNamesTheReasonFleetGives() {
    assertThat(Misbehaviour.UNKNOWN_DEVICE.corrupt(HEARTBEAT, 0)).isEqualTo(HEARTBEAT.toJson());
    assertThat(Misbehaviour.values()).extracting(Misbehaviour::expectedReason)
        .containsExactly("malformed-json", "oversized", "invalid-message", "unknown-device", null);
  }
}
