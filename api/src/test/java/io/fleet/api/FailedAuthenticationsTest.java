package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Failed authentications per address: the limit, the wait it answers, other addresses untouched, the window. */
class FailedAuthenticationsTest {

  /** A clock the test moves by hand. */
  static final class HandClock extends Clock {
    Instant now = Instant.parse("2026-12-05T04:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private final HandClock clock = new HandClock();
  private final FailedAuthentications failures = new FailedAuthentications(3, Duration.ofSeconds(60), clock);

  @Test
  void anAddressMayFailUpToTheLimitThenWaitsUntilItsOldestFailureIsAWindowOld() {
    failures.failed("10.0.0.1");
    clock.now = clock.now.plusSeconds(10);
    failures.failed("10.0.0.1");
    assertThat(failures.retryAfter("10.0.0.1")).isEmpty();
    clock.now = clock.now.plusSeconds(10);
    failures.failed("10.0.0.1");

    assertThat(failures.retryAfter("10.0.0.1")).contains(Duration.ofSeconds(40));
    assertThat(failures.retryAfter("10.0.0.2")).as("another address").isEmpty();
    clock.now = clock.now.plusSeconds(39);
    assertThat(failures.retryAfter("10.0.0.1")).contains(Duration.ofSeconds(1));
    clock.now = clock.now.plusSeconds(1);
    assertThat(failures.retryAfter("10.0.0.1")).as("the first failure is a window old").isEmpty();
  }

  @Test
  void failuresSpreadWiderThanTheWindowNeverReachTheLimit() {
    for (int i = 0; i < 10; i++) {
      failures.failed("10.0.0.1");
      assertThat(failures.retryAfter("10.0.0.1")).isEmpty();
      clock.now = clock.now.plusSeconds(31);
    }
  }

  @Test
  void failingOnWhileRefusedKeepsTheAddressWaitingFromItsLatestFailures() {
    for (int i = 0; i < 3; i++) failures.failed("10.0.0.1");
    clock.now = clock.now.plusSeconds(30);
    failures.failed("10.0.0.1");
    assertThat(failures.retryAfter("10.0.0.1")).contains(Duration.ofSeconds(30));
  }
}
