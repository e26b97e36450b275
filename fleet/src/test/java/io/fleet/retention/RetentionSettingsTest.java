package io.fleet.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetentionSettingsTest {
  private static RetentionSettings settings(String overrides) {
    return RetentionSettings.fromConfig(ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.defaultReference()).resolve().getConfig("fleet"));
  }

  @Test
  void theShippedDefaultsCoverEveryKindOfHistory() {
    RetentionSettings defaults = settings("");

    assertThat(defaults.defaults()).isEqualTo(Map.of("clips", Duration.ofDays(30), "device-events", Duration.ofDays(90),
        "telemetry-raw", Duration.ofDays(7), "telemetry-1m", Duration.ofDays(30), "telemetry-1h", Duration.ofDays(400),
        "location-fixes", Duration.ofDays(90), "alerts", Duration.ofDays(365)));
    assertThat(defaults.sweepInterval()).isEqualTo(Duration.ofHours(1));
    assertThat(defaults.batchSize()).isEqualTo(1000);
    assertThat(defaults.households()).isEmpty();
    assertThat(defaults.requireKinds(Histories.ALL)).isSameAs(defaults);
  }

  @Test
  void aHouseholdKeepsTheKindsItNamesForItsOwnPeriodAndTheOthersByDefault() {
    RetentionSettings settings = settings("fleet.retention.households { \"smith family\" { clips = 7d }, h-2 { clips = 1d,"
        + " alerts = 2d } }");

    assertThat(settings.ownPeriods("clips")).isEqualTo(Map.of("smith family", Duration.ofDays(7), "h-2", Duration.ofDays(1)));
    assertThat(settings.ownPeriods("alerts")).isEqualTo(Map.of("h-2", Duration.ofDays(2)));
    assertThat(settings.ownPeriods("device-events")).isEmpty();
    assertThat(settings.keep("device-events")).isEqualTo(Duration.ofDays(90));
  }

  @Test
  void aMisspeltKindOrANonPositivePeriodStopsTheNode() {
    assertThatThrownBy(() -> settings("fleet.retention.households.h-1.clip = 7d"))
        .hasMessageContaining("fleet.retention.households.h-1.clip");
    assertThatThrownBy(() -> settings("fleet.retention.clips = 0s")).hasMessageContaining("clips");
    assertThatThrownBy(() -> settings("fleet.retention.batch-size = 0")).hasMessageContaining("batch-size");
  }
}
