package io.fleet.agent.sim.sensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SensorSignalTest {

  @Test
  void readingsOneAtATimeAreTheGeneratedTraceWithItsAnomalies() {
    List<SensorSignal.Injected> anomalies = SensorSignal.schedule(3000, 100, 700);
    List<Map<String, Double>> generated = new SensorSignal(42, 1440).generate(3000, anomalies).readings();

    SensorSignal.Readings streamed = new SensorSignal(42, 1440).readings(anomalies);
    List<Map<String, Double>> oneByOne = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      oneByOne.add(streamed.at(i));
    }

    assertThat(oneByOne).isEqualTo(generated);
    assertThat(anomalies).extracting(SensorSignal.Injected::type).contains(SensorSignal.AnomalyType.values());
    SensorSignal.Injected stuck = anomalies.stream().filter(a -> a.type() == SensorSignal.AnomalyType.STUCK).findFirst().orElseThrow();
    assertThat(oneByOne.subList(stuck.first(), stuck.last() + 1)).extracting(r -> r.get("humidity")).containsOnly(
        oneByOne.get(stuck.first()).get("humidity"));
  }
}
