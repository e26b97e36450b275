package io.fleet.vision.detect;

import io.fleet.vision.camera.Frame;
import io.fleet.vision.camera.FrameSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Runs a detector over a whole source and keeps the events it reported, as frame spans. */
final class DetectedEvents {

  /** An event from the frame of its first motion frame to the frame that ended it (or the last frame). */
  record Event(long firstFrame, long endFrame) {}

  final List<Event> events = new ArrayList<>();
  int lightSwitches;
  int motionFrames;
  int lastNoiseLevel;

  static DetectedEvents run(DetectorSettings settings, FrameSource source) throws IOException {
    DetectedEvents log = new DetectedEvents();
    MotionDetector detector = null;
    long startFrame = -1;
    long lastFrame = -1;
    long frameMillis = 0;
    for (Optional<Frame> next = source.next(); next.isPresent(); next = source.next()) {
      Frame frame = next.get();
      if (detector == null) {
        detector = new MotionDetector(settings, frame.width(), frame.height());
      }
      frameMillis = frame.index() > 0 ? frame.timestampMillis() / frame.index() : frameMillis;
      Detection detection = detector.detect(frame);
      log.lightSwitches += detection.lightSwitch() ? 1 : 0;
      log.motionFrames += detection.motion() ? 1 : 0;
      log.lastNoiseLevel = detection.noiseLevel();
      if (detection.started()) {
        startFrame = frameMillis == 0 ? frame.index() : Math.round(detection.eventStartMillis() / (double) frameMillis);
      }
      if (detection.ended()) {
        log.events.add(new Event(startFrame, frame.index()));
        startFrame = -1;
      }
      lastFrame = frame.index();
    }
    if (startFrame >= 0) {
      log.events.add(new Event(startFrame, lastFrame));
    }
    return log;
  }
}
