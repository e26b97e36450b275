package io.fleet.frames;

import com.typesafe.config.Config;
import io.fleet.vision.clip.ClipSettings;
import io.fleet.vision.detect.DetectorSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code fleet.frames} settings: where camera frames arrive, how many may wait per camera, how the
 * shared detector decides (the edge agent's {@link DetectorSettings}) and how clips are cut.
 *
 * @param buffer frames of one camera waiting to be looked at; one more is dropped and counted
 * @param parallelism frames on their way through the detectors at once, all cameras together
 * @param maxFrameBytes larger records are dead-lettered as {@code oversized}
 * @param clipFps the frame rate written into clips
 * @param workDirectory where clips are encoded before they go to S3
 * @param idleAfter a camera without frames this long has its clip finished and its lane (detector,
 *     pre-capture frames) dropped
 */
public record FrameSettings(
    boolean enabled,
    String topic,
    String consumerGroup,
    int buffer,
    int parallelism,
    int maxFrameBytes,
    int detectorThreads,
    int encoderThreads,
    double clipFps,
    int preCaptureFrames,
    int postCaptureFrames,
    int maxClipFrames,
    int maxPendingClips,
    DetectorSettings detector,
    Path workDirectory,
    Duration idleAfter,
    Seed seed) {

  /**
   * Seed 003's frames topic ({@code fleet.frames.seed}): read when {@code enabled}, created with
   * {@code partitions} partitions when missing; {@code partitionCameras} names the camera of a partition
   * whose records have no key (others: {@code CAMERA-{partition + 1}}).
   */
  public record Seed(boolean enabled, String topic, String consumerGroup, int partitions,
      Map<Integer, String> partitionCameras) {
    public Seed {
      if (partitions < 1) throw new IllegalArgumentException("fleet.frames.seed.partitions must be at least 1");
      partitionCameras = Map.copyOf(partitionCameras);
    }

    static Seed fromConfig(Config seed) {
      Map<Integer, String> cameras = new TreeMap<>();
      Config named = seed.getConfig("partition-cameras");
      for (String partition : named.root().keySet()) {
        try {
          cameras.put(Integer.parseInt(partition), named.getString(partition));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("fleet.frames.seed.partition-cameras: '" + partition + "' is not a partition number");
        }
      }
      return new Seed(seed.getBoolean("enabled"), seed.getString("topic"), seed.getString("consumer-group"),
          seed.getInt("partitions"), cameras);
    }
  }

  public FrameSettings {
    if (buffer < 1 || parallelism < 1 || maxFrameBytes < 1 || detectorThreads < 1 || encoderThreads < 1) {
      throw new IllegalArgumentException("fleet.frames: buffer, parallelism, max-frame-bytes and threads must be positive");
    }
  }

  /** Reads {@code frames.*} from the {@code fleet} block; clips are encoded under {@code <data-dir>/frames}. */
  public static FrameSettings fromConfig(Config fleet) {
    Config f = fleet.getConfig("frames");
    Config d = f.getConfig("detector");
    DetectorSettings detector = new DetectorSettings(d.getInt("downscale"), d.getInt("noise-level"),
        d.getBoolean("noise-tune"), d.getInt("threshold"), d.getString("despeckle"), d.getInt("minimum-motion-frames"),
        d.getDuration("event-gap"), d.getDouble("reference-rate"), d.getInt("static-object-frames"),
        d.getDouble("lightswitch-fraction"), d.getInt("lightswitch-frames"), List.of());
    return new FrameSettings(
        f.getBoolean("enabled"),
        f.getString("topic"),
        f.getString("consumer-group"),
        f.getInt("buffer"),
        f.getInt("parallelism"),
        (int) Math.min(Integer.MAX_VALUE, f.getBytes("max-frame-bytes")),
        f.getInt("detector-threads"),
        f.getInt("encoder-threads"),
        f.getDouble("clip-fps"),
        f.getInt("pre-capture-frames"),
        f.getInt("post-capture-frames"),
        f.getInt("max-clip-frames"),
        f.getInt("max-pending-clips"),
        detector,
        Path.of(fleet.getString("data-dir")).resolve("frames"),
        f.getDuration("idle-after"),
        Seed.fromConfig(f.getConfig("seed")));
  }

  /** How the edge agent's clip recorder cuts this camera's clips. */
  public ClipSettings clips(Path directory) {
    return new ClipSettings(preCaptureFrames, postCaptureFrames, maxClipFrames, clipFps, maxPendingClips, directory);
  }
}
