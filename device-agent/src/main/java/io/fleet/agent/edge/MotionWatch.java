package io.fleet.agent.edge;

import io.fleet.vision.camera.Frame;
import io.fleet.vision.camera.FrameSource;
import io.fleet.vision.clip.Clip;
import io.fleet.vision.clip.ClipRecorder;
import io.fleet.vision.detect.Detection;
import io.fleet.vision.detect.DetectorSettings;
import io.fleet.vision.detect.MotionDetector;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The camera side of the edge agent, what Motion does on the Raspberry Pi: reads frames from a source, runs the
 * detector on each, feeds the clip recorder, and tells a listener when a motion event starts and ends and when a
 * clip has been handed to the encoder. Owns the detector (made for the size of the first frame) and the loop's
 * stop flag; the recorder and its encoding executor belong to the caller. {@link #run} occupies the calling thread
 * until the source ends or {@link #stop()} is called; listener calls happen on that thread, and must be quick.
 */
public final class MotionWatch {

  /** What a watch reports; every method defaults to doing nothing. */
  public interface Listener {
    default void eventStarted(Detection detection) {}

    default void eventEnded(Detection detection) {}

    /** A finished clip, encoding on the recorder's executor; it completes with the file, or fails. */
    default void clipRecorded(CompletableFuture<Clip> clip) {}
  }

  private final DetectorSettings settings;
  private final ClipRecorder recorder;
  private final Listener listener;
  private volatile boolean stopped;
  private MotionDetector detector;

  public MotionWatch(DetectorSettings settings, ClipRecorder recorder, Listener listener) {
    this.settings = settings;
    this.recorder = recorder;
    this.listener = listener;
  }

  /**
   * Watches until the source ends or {@link #stop()}; then finishes the clip being recorded, if any.
   *
   * @return how many frames were looked at
   * @throws IOException if the source fails (the clip being recorded is finished first)
   */
  public long run(FrameSource source) throws IOException {
    long frames = 0;
    try {
      while (!stopped) {
        Optional<Frame> next = source.next();
        if (next.isEmpty()) {
          break;
        }
        look(next.get());
        frames++;
      }
    } finally {
      recorder.flush().ifPresent(listener::clipRecorded);
    }
    return frames;
  }

  /** Ends {@link #run} after the frame it is looking at. Callable from any thread. */
  public void stop() {
    stopped = true;
  }

  private void look(Frame frame) {
    if (detector == null) {
      detector = new MotionDetector(settings, frame.width(), frame.height());
    }
    Detection detection = detector.detect(frame);
    if (detection.started()) {
      listener.eventStarted(detection);
    }
    recorder.accept(frame, detection).ifPresent(listener::clipRecorded);
    if (detection.ended()) {
      listener.eventEnded(detection);
    }
  }
}
