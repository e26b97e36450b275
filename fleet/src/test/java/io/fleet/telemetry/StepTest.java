package io.fleet.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StepTest {
  private static final Instant T = Instant.parse("2026-11-20T10:17:42Z");

  @Test
  void aStepIsReadAsRawOrANumberOfMinutesHoursOrDaysAndWrittenBackTheSameWay() {
    assertThat(Step.parse("raw")).contains(Step.RAW);
    assertThat(Step.parse("5m").orElseThrow()).isEqualTo(new Step(Resolution.MINUTE, Duration.ofMinutes(5)));
    assertThat(Step.parse("90m").orElseThrow().source()).as("90 minutes are no whole hours: folded from minutes").isEqualTo(Resolution.MINUTE);
    assertThat(Step.parse("120m").orElseThrow()).isEqualTo(new Step(Resolution.HOUR, Duration.ofHours(2)));
    assertThat(Step.parse("1d").orElseThrow().toString()).isEqualTo("1d");
    assertThat(Step.parse("120m").orElseThrow().toString()).isEqualTo("2h");
    assertThat(Step.parse("0m")).isEmpty();
    assertThat(Step.parse("5s")).isEmpty();
    assertThat(Step.parse("1w")).isEmpty();
    assertThat(Step.parse("99999m")).isEmpty();
  }

  @Test
  void theChosenStepIsTheFinestThatTellsTheRangeInTheAllowedPoints() {
    assertThat(Step.rollupFor(T, T.plus(Duration.ofHours(1)), 2000).toString()).isEqualTo("1m");
    assertThat(Step.rollupFor(T, T.plus(Duration.ofDays(2)), 2000).toString()).isEqualTo("2m");
    assertThat(Step.rollupFor(T, T.plus(Duration.ofDays(30)), 2000).toString()).isEqualTo("1h");
    assertThat(Step.rollupFor(T, T.plus(Duration.ofDays(365)), 2000).toString()).isEqualTo("6h");
    for (int days : new int[] {1, 7, 30, 365, 3650, 36500}) {
      Step step = Step.rollupFor(T, T.plus(Duration.ofDays(days)), 2000);
      assertThat(step.points(T, T.plus(Duration.ofDays(days)))).as("%d days", days).isLessThanOrEqualTo(2000);
    }
  }

  @Test
  void bucketsAreCountedFromTheEpochInUtc() {
    assertThat(Step.parse("5m").orElseThrow().bucketOf(T)).isEqualTo(Instant.parse("2026-11-20T10:15:00Z"));
    assertThat(Step.parse("1d").orElseThrow().bucketOf(T)).isEqualTo(Instant.parse("2026-11-20T00:00:00Z"));
    assertThat(Resolution.HOUR.bucketOf(T)).isEqualTo(Instant.parse("2026-11-20T10:00:00Z"));
  }
}
