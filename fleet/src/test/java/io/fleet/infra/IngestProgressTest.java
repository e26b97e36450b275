package io.fleet.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IngestProgressTest {
  private static final Instant NOW = Instant.parse("2026-12-06T01:00:00Z");
  private final IngestProgress progress = new IngestProgress(Clock.fixed(NOW, ZoneOffset.UTC));

  IngestProgressTest() {
    progress.route(id -> Integer.parseInt(id.substring(1)) % 4, id -> id.startsWith("b") ? 1 : 0);
  }

  @Test
  void aDeviceIsHeardUpToTheLatestTickOfItsOwnPartitionAndBroker() {
    progress.heard(1, 0, NOW.minusSeconds(9));
    progress.heard(1, 0, NOW.minusSeconds(3));
    progress.heard(1, 0, NOW.minusSeconds(5));
    progress.heard(1, 1, NOW.minusSeconds(30));
    progress.heard(2, 0, NOW.minusSeconds(1));

    assertThat(progress.heardUntil("a5")).contains(NOW.minusSeconds(3));
    assertThat(progress.heardUntil("b5")).as("the other broker's bridge").contains(NOW.minusSeconds(30));
    assertThat(progress.heardUntil("a3")).as("a partition not heard here").isEmpty();
    assertThat(progress.behind()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void aPartitionGivenUpStaysKnownAsFarAsItWasHeardButNoLongerCountsAsBehind() {
    progress.assigned(Set.of(1, 2));
    progress.heard(1, 0, NOW.minusSeconds(3));
    progress.heard(1, 1, NOW.minusSeconds(3));
    progress.heard(2, 0, NOW.minusSeconds(2));

    // The consumer stopped (Kafka away): the path is still only that far.
    progress.revoked(Set.of(1, 2));
    assertThat(progress.heardUntil("a5")).contains(NOW.minusSeconds(3));

    // Back, but partition 1 went to another node (a node died, the survivors share its partitions and some of
    // their own): its entities here still wait for their devices, or for their shards to follow the partition.
    progress.assigned(Set.of(2));
    assertThat(progress.heardUntil("a5")).as("handled here up to then, no further known").contains(NOW.minusSeconds(3));
    assertThat(progress.heardUntil("b5")).contains(NOW.minusSeconds(3));
    assertThat(progress.heardUntil("a6")).contains(NOW.minusSeconds(2));
    assertThat(progress.heardUntil("a7")).as("a partition never heard here").isEmpty();
    assertThat(progress.behind()).as("only partitions consumed here").isEqualTo(Duration.ofSeconds(2));
  }
}
