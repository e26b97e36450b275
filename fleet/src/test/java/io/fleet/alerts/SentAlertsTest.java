package io.fleet.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SentAlertsTest {
  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  @Test
  void aProjectionAskingAgainAfterARestartHearsTheAlertWasSentHere() {
    SentAlerts sent = new SentAlerts(Duration.ofMinutes(10), Duration.ofSeconds(30));
    sent.sent("cam-1:m-1#0", CompletableFuture.completedFuture(true), 0);

    assertThat(sent.ask("cam-1:m-1#0")).hasValueSatisfying(taken -> assertThat(taken.join()).isTrue());
    // The projection failed before saving its offset and reads the same alert again.
    assertThat(sent.ask("cam-1:m-1#0")).hasValueSatisfying(taken -> assertThat(taken.join()).isTrue());
    assertThat(sent.ask("cam-1:m-1#1")).as("another revision was not sent here").isEmpty();
  }

  @Test
  void onlyAlertsNotAskedAboutAreAwaiting() {
    SentAlerts sent = new SentAlerts(Duration.ofMinutes(10), Duration.ofSeconds(30));
    sent.sent("a#0", CompletableFuture.completedFuture(true), 0);
    sent.sent("b#0", CompletableFuture.completedFuture(true), 0);

    sent.ask("a#0");

    assertThat(sent.awaiting()).isEqualTo(1);
  }

  @Test
  void outcomesAreForgottenOnceOldAndDoneWhetherAskedOrNot() {
    SentAlerts sent = new SentAlerts(Duration.ofMinutes(10), Duration.ofSeconds(30));
    CompletableFuture<Boolean> pending = new CompletableFuture<>();
    sent.sent("asked#0", CompletableFuture.completedFuture(true), 0);
    sent.sent("never-asked#0", CompletableFuture.completedFuture(false), 0);
    sent.sent("pending#0", pending, 0);
    sent.sent("recent#0", CompletableFuture.completedFuture(true), 9 * MINUTE);
    sent.ask("asked#0");

    sent.forgetOld(11 * MINUTE);

    assertThat(sent.ask("asked#0")).isEmpty();
    assertThat(sent.ask("never-asked#0")).isEmpty();
    assertThat(sent.ask("pending#0")).as("a send still under way is kept").isPresent();
    assertThat(sent.ask("recent#0")).isPresent();
  }

  @Test
  void aProjectionThatReadsAnAlertBeforeItsSendBeganWaitsForThatSend() {
    SentAlerts sent = new SentAlerts(Duration.ofMinutes(10), Duration.ofSeconds(30));
    sent.announce("cam-1:m-1#0", 0);

    // The journal's row is committed and read before the entity's thread got round to sending it.
    CompletableFuture<Boolean> answer = sent.ask("cam-1:m-1#0").orElseThrow();
    assertThat(answer).as("nothing to say until the send began").isNotDone();
    CompletableFuture<Boolean> kafka = new CompletableFuture<>();
    sent.sent("cam-1:m-1#0", kafka, 1);
    assertThat(answer).as("the send is under way").isNotDone();
    kafka.complete(true);

    assertThat(answer).isCompletedWithValue(true);
    assertThat(sent.ask("cam-1:m-1#0")).hasValueSatisfying(again -> assertThat(again.join()).isTrue());
    assertThat(sent.awaiting()).isZero();
  }

  @Test
  void anAnnouncedAlertWhoseSendFailedReadsAsNotTaken() {
    SentAlerts sent = new SentAlerts(Duration.ofMinutes(10), Duration.ofSeconds(30));
    sent.announce("a#0", 0);
    CompletableFuture<Boolean> answer = sent.ask("a#0").orElseThrow();

    sent.sent("a#0", CompletableFuture.completedFuture(false), 1);

    assertThat(answer).isCompletedWithValue(false);
  }

  @Test
  void anAnnouncedAlertNeverSentReadsAsNotTakenOnceItsWaitRanOut() throws Exception {
    SentAlerts sent = new SentAlerts(Duration.ofMinutes(10), Duration.ofMillis(50));
    sent.announce("a#0", 0);

    // Its write failed, or the entity stopped before it could send it.
    assertThat(sent.ask("a#0").orElseThrow().get(10, TimeUnit.SECONDS)).isFalse();
  }

  @Test
  void aSendAfterItsAnnouncementRanOutAnswersFromThen() throws Exception {
    SentAlerts sent = new SentAlerts(Duration.ofMinutes(10), Duration.ofMillis(50));
    sent.announce("a#0", 0);
    assertThat(sent.ask("a#0").orElseThrow().get(10, TimeUnit.SECONDS)).isFalse();

    sent.sent("a#0", CompletableFuture.completedFuture(true), 1);

    assertThat(sent.ask("a#0")).hasValueSatisfying(taken -> assertThat(taken.join()).isTrue());
  }
}
