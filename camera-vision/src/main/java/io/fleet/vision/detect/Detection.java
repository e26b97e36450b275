package io.fleet.vision.detect;

/**
 * What {@link MotionDetector} made of one frame.
 *
 * @param changedPixels changed pixels after despeckling, at detection resolution
 * @param noiseLevel the per-pixel threshold used for this frame
 * @param motion whether this frame counts as a motion frame
 * @param lightSwitch whether this frame was taken for a global light change (the reference was reset)
 * @param inEvent whether a motion event is under way after this frame
 * @param change whether this frame started or ended an event
 * @param eventStartMillis when the current (or just ended) event's first motion frame was taken; -1 outside events
 */
public record Detection(long frameIndex, long timestampMillis, int changedPixels, int noiseLevel, boolean motion,
    boolean lightSwitch, boolean inEvent, Change change, long eventStartMillis) {

  public enum Change { NONE, STARTED, ENDED }

  public boolean started() {
    return change == Change.STARTED;
  }

  public boolean ended() {
    return change == Change.ENDED;
  }
}
