package io.fleet.media;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The {@code fleet.clips.incomplete-uploads} settings: how old a multipart upload that never completed (a
 * device that went away mid-clip, a node that crashed) may grow before it is aborted and its parts freed, how
 * often the {@link UploadSweeper} looks for such uploads, and whether to ask the bucket to abort them itself
 * (an S3 lifecycle rule, whole days only).
 */
public record IncompleteUploadSettings(Duration abortAfter, Duration sweepInterval, boolean lifecycleRule) {
  private static final long DAY_SECONDS = Duration.ofDays(1).toSeconds();

  public IncompleteUploadSettings {
    if (abortAfter.isNegative()) throw new IllegalArgumentException("clips.incomplete-uploads.abort-after must not be negative");
    if (sweepInterval.isNegative() || sweepInterval.isZero()) {
      throw new IllegalArgumentException("clips.incomplete-uploads.sweep-interval must be positive");
    }
  }

  public static IncompleteUploadSettings fromConfig(Config fleet) {
    Config c = fleet.getConfig("clips.incomplete-uploads");
    return new IncompleteUploadSettings(c.getDuration("abort-after"), c.getDuration("sweep-interval"),
        c.getBoolean("lifecycle-rule"));
  }

  /** The lifecycle rule's {@code DaysAfterInitiation}: {@link #abortAfter} rounded up to whole days, at least 1. */
  public int lifecycleDays() {
    return (int) Math.max(1, (abortAfter.toSeconds() + DAY_SECONDS - 1) / DAY_SECONDS);
  }
}
