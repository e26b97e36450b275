package io.fleet.vision.detect;

import io.fleet.vision.camera.Region;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How {@link MotionDetector} decides, named after Motion's options where there is one.
 *
 * @param downscale detection runs on frames shrunk by this factor in each direction (box average): 1, 2, 4…
 * @param noiseLevel per-pixel threshold in gray levels: a pixel changed when it differs from the reference by
 *     more (Motion's {@code noise_level}); the starting value when {@code noiseTune} is on
 * @param noiseTune adapt the noise level to the measured sensor noise on frames without motion
 *     ({@code noise_tune})
 * @param threshold changed pixels, counted at full frame resolution, that make a frame a motion frame
 *     ({@code threshold})
 * @param despeckle erosions and dilations applied in order to the changed-pixel map ({@code despeckle_filter}):
 *     {@code e}/{@code E} erode with a cross/box, {@code d}/{@code D} dilate with a cross/box; empty for none
 * @param minimumMotionFrames consecutive motion frames that start an event ({@code minimum_motion_frames})
 * @param eventGap time without a motion frame that ends an event ({@code event_gap})
 * @param referenceRate how fast the reference frame follows still pixels, 1/256..1 per frame
 * @param staticObjectFrames frames a pixel may stay changed before it is taken into the reference as it is now: a
 *     car that parked becomes background; until then changed pixels are left out of the reference, so an object
 *     that lingers and leaves leaves no ghost (Motion's accept timer)
 * @param lightswitchFraction a frame with more than this fraction of changed pixels is a light change, not motion:
 *     the reference is reset to it ({@code lightswitch_percent}/100); 0 disables
 * @param lightswitchFrames frames after a light change that cannot be motion frames
 *     ({@code lightswitch_frames}), while the camera's exposure settles
 * @param ignore regions of the frame never looked at ({@code mask_file}), in full-resolution pixels
 */
public record DetectorSettings(int downscale, int noiseLevel, boolean noiseTune, int threshold, String despeckle,
    int minimumMotionFrames, Duration eventGap, double referenceRate,
    int staticObjectFrames, double lightswitchFraction, int lightswitchFrames,
    List<Region> ignore) {

  public DetectorSettings {
    Objects.requireNonNull(eventGap, "eventGap");
    ignore = List.copyOf(ignore);
    if (downscale < 1 || noiseLevel < 1 || noiseLevel > 255 || threshold < 1 || minimumMotionFrames < 1
        || eventGap.isNegative() || lightswitchFrames < 0) {
      throw new IllegalArgumentException("invalid detector settings: " + this);
    }
    if (!despeckle.matches("[eEdD]*")) {
      throw new IllegalArgumentException("despeckle takes only e, E, d, D: " + despeckle);
    }
    if (referenceRate < 1 / 256.0 || referenceRate > 1 || lightswitchFraction < 0 || lightswitchFraction > 1
        || staticObjectFrames < 1 || staticObjectFrames > Short.MAX_VALUE) {
      throw new IllegalArgumentException("rates and fractions lie in [0, 1], static object frames in [1, "
          + Short.MAX_VALUE + "]: " + this);
    }
  }

  /**
   * Defaults for a 640×480 camera at 10–25 fps: detection at 320×240, 300 changed pixels (0.1 % of the frame),
   * two consecutive motion frames, 2 s event gap, objects still for
   * 150 frames taken into the background, light change above 30 % changed pixels.
   */
  public static DetectorSettings defaults() {
    return new DetectorSettings(2, 12, true, 300, "ed", 2, Duration.ofSeconds(2), 0.1, 150, 0.3, 3,
        List.of());
  }

  public DetectorSettings withDownscale(int downscale) {
    return new DetectorSettings(downscale, noiseLevel, noiseTune, threshold, despeckle, minimumMotionFrames,
        eventGap, referenceRate, staticObjectFrames, lightswitchFraction, lightswitchFrames, ignore);
  }

  public DetectorSettings withThreshold(int threshold) {
    return new DetectorSettings(downscale, noiseLevel, noiseTune, threshold, despeckle, minimumMotionFrames,
        eventGap, referenceRate, staticObjectFrames, lightswitchFraction, lightswitchFrames, ignore);
  }

  public DetectorSettings withMinimumMotionFrames(int frames) {
    return new DetectorSettings(downscale, noiseLevel, noiseTune, threshold, despeckle, frames,
        eventGap, referenceRate, staticObjectFrames, lightswitchFraction, lightswitchFrames, ignore);
  }

  public DetectorSettings withEventGap(Duration eventGap) {
    return new DetectorSettings(downscale, noiseLevel, noiseTune, threshold, despeckle, minimumMotionFrames,
        eventGap, referenceRate, staticObjectFrames, lightswitchFraction, lightswitchFrames, ignore);
  }

  public DetectorSettings withLightswitch(double fraction, int frames) {
    return new DetectorSettings(downscale, noiseLevel, noiseTune, threshold, despeckle, minimumMotionFrames,
        eventGap, referenceRate, staticObjectFrames, fraction, frames, ignore);
  }

  public DetectorSettings withIgnore(List<Region> ignore) {
    return new DetectorSettings(downscale, noiseLevel, noiseTune, threshold, despeckle, minimumMotionFrames,
        eventGap, referenceRate, staticObjectFrames, lightswitchFraction, lightswitchFrames, ignore);
  }
}
