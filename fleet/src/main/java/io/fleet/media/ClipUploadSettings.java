package io.fleet.media;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The {@code fleet.clips} settings: the largest clip accepted, how many uploads may stream at once per
 * node and per device (more are refused with 429, so a busy S3 cannot fill memory), how long one upload
 * may take, how long it may send nothing before it is cut off (a few stalled uploads must not keep every
 * other camera at 429), and how long a presigned upload URL stays valid (short: the URL is all a holder needs to
 * write the clip; SigV4 allows at most 7 days).
 */
public record ClipUploadSettings(long maxBytes, int uploadsPerNode, int uploadsPerDevice, Duration uploadTimeout,
    Duration uploadIdleTimeout, Duration presignedUrlTtl) {

  public ClipUploadSettings {
    if (maxBytes < 1) throw new IllegalArgumentException("clips.max-bytes must be positive");
    if (uploadsPerNode < 1 || uploadsPerDevice < 1) throw new IllegalArgumentException("clips upload limits must be at least 1");
    if (presignedUrlTtl.toSeconds() < 1 || presignedUrlTtl.compareTo(Duration.ofDays(7)) > 0) {
      throw new IllegalArgumentException("clips.presigned-url-ttl must be between 1 s and 7 days");
    }
  }

  public static ClipUploadSettings fromConfig(Config fleet) {
    Config c = fleet.getConfig("clips");
    return new ClipUploadSettings(c.getBytes("max-bytes"), c.getInt("uploads-per-node"), c.getInt("uploads-per-device"),
        c.getDuration("upload-timeout"), c.getDuration("upload-idle-timeout"), c.getDuration("presigned-url-ttl"));
  }
}
