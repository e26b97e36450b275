package io.fleet.vision.clip;

import io.fleet.vision.camera.Frame;
import io.fleet.vision.detect.Detection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts clips around motion events: keeps the last {@code preCaptureFrames} frames while idle, records from an
 * event's start to {@code postCaptureFrames} frames after its end (an event starting again during post-capture
 * extends the clip), and hands each finished clip to the encoder on its own executor, so the detection thread never
 * waits for encoding.
 *
 * <p>Owns the pre-capture ring, the frames of the clip being recorded, the post-capture countdown and the count
 * of clips pending encoding. {@link #accept} is called from one thread (the detection loop); the returned futures
 * complete on the encoding executor. Frames in memory are bounded by {@code maxClipFrames} times
 * ({@code maxPendingClips} + 1); a clip beyond {@code maxPendingClips} is dropped with a logged, counted reason.
 * A crash loses the clip being recorded and the ones not yet encoded.
 */
public final class ClipRecorder {

  private static final Logger log = LoggerFactory.getLogger(ClipRecorder.class);

  private final ClipSettings settings;
  private final ClipEncoder encoder;
  private final Executor encoding;
  private final ArrayDeque<Frame> preCapture;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong dropped = new AtomicLong();
  private List<Frame> recording;
  private long eventStartMillis;
  private int postCaptureLeft = -1;

  public ClipRecorder(ClipSettings settings, ClipEncoder encoder, Executor encoding) {
    this.settings = settings;
    this.encoder = encoder;
    this.encoding = encoding;
    this.preCapture = new ArrayDeque<>(settings.preCaptureFrames() + 1);
  }

  /** One daemon thread named {@code fleet-clip-encoder}: encoding is CPU-bound, one core is enough for a camera. */
  public static ExecutorService encodingThread() {
    return Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, "fleet-clip-encoder");
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Takes the next frame with the detector's verdict on it.
   *
   * @return the clip this frame finished, encoding (or failed, if it was dropped); empty otherwise
   */
  public Optional<CompletableFuture<Clip>> accept(Frame frame, Detection detection) {
    if (recording == null) {
      if (!detection.started()) {
        preCapture.addLast(frame);
        if (preCapture.size() > settings.preCaptureFrames()) {
          preCapture.removeFirst();
        }
        return Optional.empty();
      }
      recording = new ArrayList<>(preCapture);
      preCapture.clear();
      eventStartMillis = detection.eventStartMillis();
      postCaptureLeft = -1;
    } else if (detection.ended()) {
      postCaptureLeft = settings.postCaptureFrames() + 1;
    } else if (detection.started()) {
      postCaptureLeft = -1;
    }
    recording.add(frame);
    postCaptureLeft -= postCaptureLeft > 0 ? 1 : 0;
    if (postCaptureLeft == 0) {
      return Optional.of(finish(false));
    }
    if (recording.size() >= settings.maxClipFrames()) {
      return Optional.of(finish(true));
    }
    return Optional.empty();
  }

  /** Finishes the clip being recorded, if any (the source ended). */
  public Optional<CompletableFuture<Clip>> flush() {
    return recording == null || recording.isEmpty() ? Optional.empty() : Optional.of(finish(false));
  }

  /** Clips dropped because too many were pending encoding, since this recorder was made. */
  public long clipsDropped() {
    return dropped.get();
  }

  public boolean isRecording() {
    return recording != null;
  }

  private CompletableFuture<Clip> finish(boolean continues) {
    List<Frame> frames = recording;
    recording = continues ? new ArrayList<>() : null;
    if (!continues) {
      postCaptureLeft = -1;
    }
    if (pending.incrementAndGet() > settings.maxPendingClips()) {
      pending.decrementAndGet();
      return drop(frames, "encoder busy: " + settings.maxPendingClips() + " clips pending");
    }
    long start = eventStartMillis;
    try {
      return CompletableFuture.supplyAsync(() -> encode(frames, start), encoding)
          .whenComplete((clip, failure) -> pending.decrementAndGet());
    } catch (RejectedExecutionException e) {
      pending.decrementAndGet();
      return drop(frames, "encoder stopped");
    }
  }

  private CompletableFuture<Clip> drop(List<Frame> frames, String reason) {
    long total = dropped.incrementAndGet();
    log.warn("Dropped a clip of {} frames from event at {} ms: {} ({} dropped so far)", frames.size(),
        eventStartMillis, reason, total);
    return CompletableFuture.failedFuture(new RejectedExecutionException("clip dropped: " + reason));
  }

  private Clip encode(List<Frame> frames, long eventStart) {
    Frame first = frames.get(0);
    Frame last = frames.get(frames.size() - 1);
    var file = settings.directory().resolve("clip-" + eventStart + "-" + first.index() + ".mp4");
    try {
      encoder.encode(frames, settings.fps(), file);
    } catch (IOException e) {
      throw new UncheckedIOException("encoding " + file + " failed", e);
    }
    return new Clip(file, eventStart, first.timestampMillis(), last.timestampMillis(), frames.size());
  }
}
