package io.fleet.vision.detect;

import io.fleet.vision.camera.Frame;
import io.fleet.vision.camera.Region;
import io.fleet.vision.detect.Detection.Change;

/**
 * Motion detection by frame differencing, the way Motion does it: each frame is converted to grayscale and
 * shrunk, compared pixel by pixel with a slowly updated reference frame, pixels that differ by more than the noise
 * level are despeckled and counted, and enough changed pixels on enough consecutive frames start an event that ends
 * after an event gap without motion. A frame where most pixels changed at once is a light switch: the reference
 * is reset instead. Ignored regions are never looked at.
 *
 * <p>Owns the reference frame (gray levels in 24.8 fixed point), the current gray frame, the changed-pixel map,
 * the ignore mask, how long each pixel has been changed, the tuned noise level and the event state (consecutive
 * motion frames, last motion time, event start). All buffers are allocated once: {@link #detect} allocates only
 * its {@link Detection}. Not thread-safe: one detector per camera, fed from one thread. Nothing survives a
 * restart: a new detector learns the scene from its first frame.
 */
public final class MotionDetector {

  private static final int MIN_NOISE = 2;

  private final DetectorSettings settings;
  private final int frameWidth;
  private final int frameHeight;
  private final int width;
  private final int height;
  private final byte[] gray;
  private final int[] reference;
  private final byte[] changed;
  private final byte[] ignored;
  private final int watchedPixels;
  private final int threshold;
  private final Despeckle despeckle;
  private final int referenceRate;
  private final short[] changedFor;

  private boolean learned;
  private int noiseLevel;
  private int quietFramesLeft;
  private int consecutive;
  private long firstMotionMillis = -1;
  private long lastMotionMillis = -1;
  private boolean inEvent;
  private long eventStartMillis = -1;

  /** A detector for frames of {@code frameWidth}×{@code frameHeight}. */
  public MotionDetector(DetectorSettings settings, int frameWidth, int frameHeight) {
    this.settings = settings;
    this.frameWidth = frameWidth;
    this.frameHeight = frameHeight;
    int factor = settings.downscale();
    this.width = frameWidth / factor;
    this.height = frameHeight / factor;
    if (width < 3 || height < 3) {
      throw new IllegalArgumentException("frame of " + frameWidth + "x" + frameHeight + " too small for downscale "
          + factor);
    }
    int pixels = width * height;
    this.gray = new byte[pixels];
    this.reference = new int[pixels];
    this.changed = new byte[pixels];
    this.ignored = new byte[pixels];
    for (Region region : settings.ignore()) {
      markIgnored(region, factor);
    }
    int watched = 0;
    for (byte i : ignored) {
      watched += 1 - i;
    }
    this.watchedPixels = watched;
    this.threshold = Math.max(1, settings.threshold() / (factor * factor));
    this.despeckle = new Despeckle(settings.despeckle(), width, height);
    this.referenceRate = Math.max(1, (int) Math.round(settings.referenceRate() * 256));
    this.changedFor = new short[pixels];
    this.noiseLevel = settings.noiseLevel();
  }

  public DetectorSettings settings() {
    return settings;
  }

  /** Detection width, after downscaling. */
  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** @throws IllegalArgumentException if the frame's size is not the one this detector was made for */
  public Detection detect(Frame frame) {
    if (frame.width() != frameWidth || frame.height() != frameHeight) {
      throw new IllegalArgumentException("detector for " + frameWidth + "x" + frameHeight + " got a frame of "
          + frame.width() + "x" + frame.height());
    }
    Grayscale.downscale(frame.rgb(), frameWidth, frameHeight, settings.downscale(), gray);
    return detectGray(frame.index(), frame.timestampMillis());
  }

  private Detection detectGray(long index, long millis) {
    if (!learned) {
      resetReference();
      learned = true;
      return detection(index, millis, 0, false, false, Change.NONE);
    }
    int noise = noiseLevel;
    int raw = 0;
    long quietSum = 0;
    int quietCount = 0;
    for (int i = 0; i < gray.length; i++) {
      int difference = Math.abs((gray[i] & 0xFF) - (reference[i] >> 8));
      boolean isChanged = difference > noise && ignored[i] == 0;
      changed[i] = (byte) (isChanged ? 1 : 0);
      if (isChanged) {
        raw++;
      } else if (ignored[i] == 0) {
        quietSum += difference;
        quietCount++;
      }
    }
    if (settings.lightswitchFraction() > 0 && raw > settings.lightswitchFraction() * watchedPixels) {
      resetReference();
      quietFramesLeft = settings.lightswitchFrames();
      consecutive = 0;
      return detection(index, millis, raw, false, true, endEventIfQuiet(millis));
    }
    byte[] cleaned = despeckle.apply(changed);
    int count = 0;
    for (byte c : cleaned) {
      count += c;
    }
    boolean motion = count >= threshold && quietFramesLeft == 0;
    quietFramesLeft = Math.max(0, quietFramesLeft - 1);
    updateReference(cleaned);
    if (!motion && settings.noiseTune() && quietCount > 0) {
      tuneNoise(quietSum, quietCount);
    }
    Change change;
    if (motion) {
      if (consecutive++ == 0) {
        firstMotionMillis = millis;
      }
      lastMotionMillis = millis;
      change = Change.NONE;
      if (!inEvent && consecutive >= settings.minimumMotionFrames()) {
        inEvent = true;
        eventStartMillis = firstMotionMillis;
        change = Change.STARTED;
      }
    } else {
      consecutive = 0;
      change = endEventIfQuiet(millis);
    }
    return detection(index, millis, count, motion, false, change);
  }

  private Change endEventIfQuiet(long millis) {
    if (inEvent && millis - lastMotionMillis >= settings.eventGap().toMillis()) {
      inEvent = false;
      return Change.ENDED;
    }
    return Change.NONE;
  }

  private Detection detection(long index, long millis, int count, boolean motion, boolean lightSwitch,
      Change change) {
    long start = inEvent || change == Change.ENDED ? eventStartMillis : -1;
    return new Detection(index, millis, count, noiseLevel, motion, lightSwitch, inEvent, change, start);
  }

  /**
   * Still pixels follow the scene smoothly (averaging out sensor noise); changed ones are left alone until they
   * have been changed for {@code staticObjectFrames}, then taken as they are.
   */
  private void updateReference(byte[] moving) {
    int acceptAfter = settings.staticObjectFrames();
    for (int i = 0; i < gray.length; i++) {
      int current = (gray[i] & 0xFF) << 8;
      if (moving[i] == 0) {
        changedFor[i] = 0;
        reference[i] += (current - reference[i]) * referenceRate / 256;
      } else if (++changedFor[i] >= acceptAfter) {
        changedFor[i] = 0;
        reference[i] = current;
      }
    }
  }

  /**
   * The mean absolute difference of still pixels estimates the sensor noise (about 0.8 sigma for Gaussian
   * noise); the threshold goes to about four sigma, smoothed over frames.
   */
  private void tuneNoise(long quietSum, int quietCount) {
    int target = (int) ((5 * quietSum + quietCount / 2) / quietCount) + 1;
    noiseLevel = Math.max(MIN_NOISE, Math.min(255, (3 * noiseLevel + target + 2) / 4));
  }

  private void resetReference() {
    for (int i = 0; i < gray.length; i++) {
      reference[i] = (gray[i] & 0xFF) << 8;
      changedFor[i] = 0;
    }
  }

  private void markIgnored(Region region, int factor) {
    int x0 = region.x() / factor;
    int y0 = region.y() / factor;
    int x1 = Math.min(width, (region.x() + region.width() + factor - 1) / factor);
    int y1 = Math.min(height, (region.y() + region.height() + factor - 1) / factor);
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        ignored[y * width + x] = 1;
      }
    }
  }
}
