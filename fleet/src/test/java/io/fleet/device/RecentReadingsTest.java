package io.fleet.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecentReadingsTest {
  private static final Instant T0 = Instant.parse("2026-11-24T00:00:00Z");

  private static Telemetry reading(int minute, Map<String, Double> values) {
    return new Telemetry(T0.plusSeconds(60L * minute), T0, values, null, null, null);
  }

  @Test
  void keepsTheLastReadingsInTimeOrderAndDropsOlderOrRepeatedOnes() {
    RecentReadings recent = new RecentReadings();
    for (int i = 0; i < RecentReadings.CAPACITY + 10; i++) recent.add(reading(i, Map.of("temperature", 20.0 + i)));
    recent.add(reading(5, Map.of("temperature", -1.0)));

    RecentReadings.Series series = recent.series();
    assertThat(series.points()).hasSize(RecentReadings.CAPACITY);
    assertThat(series.points().get(0).t()).isEqualTo(T0.plusSeconds(60L * 10));
    assertThat(series.points().get(RecentReadings.CAPACITY - 1).values()).containsEntry("temperature", 20.0 + RecentReadings.CAPACITY + 9);
  }

  @Test
  void aNewMetricJoinsWithoutLosingTheEarlierReadings() {
    RecentReadings recent = new RecentReadings();
    recent.add(reading(0, Map.of("temperature", 21.5)));
    recent.add(reading(1, Map.of("temperature", 21.0, "humidity", 40.0)));

    RecentReadings.Series series = recent.series();
    assertThat(series.metrics()).containsExactly("humidity", "temperature");
    assertThat(series.points().get(0).values()).containsExactly(Map.entry("temperature", 21.5));
    assertThat(series.points().get(1).values()).containsEntry("humidity", 40.0).containsEntry("temperature", 21.0);
  }
}
