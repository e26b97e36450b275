package io.fleet.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How long incomplete uploads may live, and the whole days the bucket's lifecycle rule says it in. */
class IncompleteUploadSettingsTest {

  @Test
  void byDefaultUploadsAreAbortedAfterADayAndSweptHourlyAndUploadUrlsLastFiveMinutes() {
    var fleet = ConfigFactory.load().getConfig("fleet");
    IncompleteUploadSettings settings = IncompleteUploadSettings.fromConfig(fleet);

    assertThat(settings.abortAfter()).isEqualTo(Duration.ofHours(24));
    assertThat(settings.sweepInterval()).isEqualTo(Duration.ofHours(1));
    assertThat(settings.lifecycleRule()).isTrue();
    assertThat(settings.lifecycleDays()).isEqualTo(1);
    assertThat(ClipUploadSettings.fromConfig(fleet).presignedUrlTtl()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void theLifecycleRuleRoundsUpToWholeDaysAndNeverSaysZero() {
    assertThat(new IncompleteUploadSettings(Duration.ZERO, Duration.ofHours(1), true).lifecycleDays()).isEqualTo(1);
    assertThat(new IncompleteUploadSettings(Duration.ofHours(2), Duration.ofHours(1), true).lifecycleDays()).isEqualTo(1);
    assertThat(new IncompleteUploadSettings(Duration.ofHours(25), Duration.ofHours(1), true).lifecycleDays()).isEqualTo(2);
    assertThat(new IncompleteUploadSettings(Duration.ofDays(3), Duration.ofHours(1), true).lifecycleDays()).isEqualTo(3);
  }

  @Test
  void aSweepIntervalOfZeroIsRefused() {
    assertThatThrownBy(() -> new IncompleteUploadSettings(Duration.ofHours(1), Duration.ZERO, true))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
