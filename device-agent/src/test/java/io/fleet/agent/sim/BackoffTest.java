package io.fleet.agent.sim;

import static java.time.Duration.ofMillis;
import static java.time.Duration.ofSeconds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private final Backoff backoff = new Backoff(ofMillis(500), ofSeconds(30));

  @RepeatedTest(20)
  void delaysDoubleFromTheInitialOneWithAtMostAQuarterOfJitter() {
    assertThat(backoff.delay(0)).isBetween(ofMillis(500), ofMillis(625));
    assertThat(backoff.delay(1)).isBetween(ofMillis(1000), ofMillis(1250));
    assertThat(backoff.delay(3)).isBetween(ofMillis(4000), ofMillis(5000));
  }

  @Test
  void delaysStopGrowingAtTheMaximumEvenAfterManyAttempts() {
    assertThat(backoff.delay(10)).isBetween(ofSeconds(30), ofMillis(37_500));
    assertThat(backoff.delay(Integer.MAX_VALUE)).isBetween(ofSeconds(30), ofMillis(37_500));
  }

  @Test
  void needsAPositiveInitialDelayNoLongerThanTheMaximum() {
    assertThatThrownBy(() -> new Backoff(ofSeconds(0), ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(ofSeconds(2), ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
  }
}
