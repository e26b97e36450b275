package io.fleet.frames;

import io.fleet.vision.camera.Frame;
import io.fleet.vision.clip.Clip;
import io.fleet.vision.clip.ClipEncoder;
import io.fleet.vision.clip.ClipRecorder;
import io.fleet.vision.detect.Detection;
import io.fleet.vision.detect.MotionDetector;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * One camera's frames in Fleet, what the edge agent's {@code MotionWatch} does on a camera: each JPEG is
 * decoded and handed to the shared {@link MotionDetector}, then to the shared {@link ClipRecorder}, whose
 * finished clips (encoded on the encoding executor) go to the {@link ClipDelivery}, one after the other. Frames must
 * come in sequence order: a frame older than the last one looked at is dropped and counted (out of order, or a
 * duplicate), a jump forward is counted as missing frames.
 *
 * <p>Owns the detector (made for the size of the first frame, made anew when the size changes), the
 * recorder (pre-capture ring and the clip being recorded: at most {@code pre-capture + max-clip-frames}
 * decoded frames, plus {@code max-pending-clips} clips being encoded), the last sequence number, and
 * which Kafka offsets those frames came from: {@link #oldestHeld()} is the first offset whose frame is
 * still needed, so the consumer commits only below it. A crash loses the lane; the frames from that
 * offset on are redelivered, the detector learns the scene again and the clip is cut again (its event id
 * and key derive from its time, so the device and S3 see the same clip). {@link #look} and {@link #drop}
 * are called one at a time, in the camera's order; {@link #oldestHeld()} from any thread.
 */
final class CameraLane {
  /** What became of one frame. */
  sealed interface Outcome permits Looked, Dropped, Malformed {}

  record Looked(Detection detection) implements Outcome {}

  record Dropped(String reason) implements Outcome {}

  record Malformed(String detail) implements Outcome {}

  private static final long NONE = Long.MAX_VALUE;

  private final String cameraId;
  private final FrameSettings settings;
  private final ClipEncoder encoder;
  private final Executor encoding;
  private final ClipDelivery clips;
  private final FrameMetrics metrics;
  private final Path directory;
  private final ArrayDeque<Long> recentOffsets = new ArrayDeque<>();
  private final Map<Long, Long> deliveringFrom = new ConcurrentHashMap<>();
  private final AtomicLong deliveries = new AtomicLong();
  private volatile long framesHeldFrom = NONE;
  private volatile long lastFrameNanos = System.nanoTime();
  private CompletableFuture<?> lastDelivery = CompletableFuture.completedFuture(null);
  private MotionDetector detector;
  private int detectorWidth;
  private int detectorHeight;
  private ClipRecorder recorder;
  private long recordingFrom = NONE;
  private long lastSequence = -1;

  CameraLane(String cameraId, FrameSettings settings, ClipEncoder encoder, Executor encoding, ClipDelivery clips,
      FrameMetrics metrics) {
    this.cameraId = cameraId;
    this.settings = settings;
    this.encoder = encoder;
    this.encoding = encoding;
    this.clips = clips;
    this.metrics = metrics;
    this.directory = settings.workDirectory().resolve(cameraId);
  }

  FrameMetrics metrics() {
    return metrics;
  }

  private volatile long registrationCheckedNanos;

  void registrationChecked(long nanos) {
    registrationCheckedNanos = nanos;
  }

  long lastRegistrationCheck() {
    return registrationCheckedNanos;
  }

  /** Looks at the frame at {@code offset} of the camera's partition. */
  Outcome look(FrameHeaders.Stamp stamp, long offset, byte[] jpeg) {
    lastFrameNanos = System.nanoTime();
    if (lastSequence >= 0 && stamp.sequence() <= lastSequence) {
      return drop(stamp, stamp.sequence() == lastSequence ? "duplicate" : "out-of-order");
    }
    Frame frame;
    try {
      frame = decode(stamp, jpeg);
    } catch (IOException | RuntimeException e) {
      return new Malformed("frame " + stamp.sequence() + " of " + cameraId + " is not a readable JPEG: " + e.getMessage());
    }
    if (detector != null && (frame.width() != detectorWidth || frame.height() != detectorHeight)) {
      // The camera changed its resolution: finish the clip of the old size and start afresh.
      recorder.flush().ifPresent(clip -> deliver(clip, recordingFrom));
      detector = null;
    }
    if (detector == null) {
      try {
        Files.createDirectories(directory);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot make the clip directory " + directory, e);
      }
      try {
        detector = new MotionDetector(settings.detector(), frame.width(), frame.height());
      } catch (IllegalArgumentException e) {
        return new Malformed("frame " + stamp.sequence() + " of " + cameraId + ": " + e.getMessage());
      }
      recorder = new ClipRecorder(settings.clips(directory), encoder, encoding);
      detectorWidth = frame.width();
      detectorHeight = frame.height();
      recentOffsets.clear();
      recordingFrom = NONE;
    }
    if (lastSequence >= 0 && stamp.sequence() > lastSequence + 1) metrics.missing(stamp.sequence() - lastSequence - 1);
    lastSequence = stamp.sequence();
    Detection detection = detector.detect(frame);
    recentOffsets.addLast(offset);
    if (recentOffsets.size() > settings.preCaptureFrames() + 1) recentOffsets.removeFirst();
    boolean wasRecording = recorder.isRecording();
    long clipFrom = wasRecording ? recordingFrom : recentOffsets.getFirst();
    Optional<CompletableFuture<Clip>> finished = recorder.accept(frame, detection);
    if (finished.isPresent()) {
      deliver(finished.get(), clipFrom);
      recordingFrom = recorder.isRecording() ? offset : NONE;
    } else if (!wasRecording && recorder.isRecording()) {
      recordingFrom = clipFrom;
    }
    framesHeldFrom = recorder.isRecording() ? recordingFrom : recentOffsets.getFirst();
    metrics.processed(stamp.timeMillis());
    return new Looked(detection);
  }

  /** A frame not looked at (it came too late): counted, and its place taken. */
  private Outcome drop(FrameHeaders.Stamp stamp, String reason) {
    lastFrameNanos = System.nanoTime();
    metrics.dropped(reason);
    lastSequence = Math.max(lastSequence, stamp.sequence());
    return new Dropped(reason);
  }

  /** Whether no frame of this camera came for {@code idle} (as of {@code nowNanos}). */
  boolean idle(long nowNanos, Duration idle) {
    return nowNanos - lastFrameNanos >= idle.toNanos();
  }

  /**
   * The camera stopped sending: finishes the clip being recorded (it goes to the delivery) and lets go of the
   * detector and the pre-capture frames. Called only while none of its frames is on its way.
   *
   * @return whether the lane holds nothing any more (no clip still being delivered): it may be forgotten
   */
  boolean release() {
    if (recorder != null) {
      recorder.flush().ifPresent(clip -> deliver(clip, recordingFrom));
      recorder = null;
      detector = null;
    }
    recentOffsets.clear();
    recordingFrom = NONE;
    framesHeldFrom = NONE;
    return deliveringFrom.isEmpty();
  }

  /** The first offset of this camera's partition whose frame is still needed; {@link Long#MAX_VALUE} for none. */
  long oldestHeld() {
    long oldest = framesHeldFrom;
    for (long from : deliveringFrom.values()) oldest = Math.min(oldest, from);
    return oldest;
  }

  private void deliver(CompletableFuture<Clip> clip, long from) {
    long id = deliveries.incrementAndGet();
    deliveringFrom.put(id, from);
    // One after the other: the camera's entity hears its episodes in the order they happened, also when a
    // backlog of frames makes several clips at once.
    CompletableFuture<?> done = lastDelivery.handle((ok, failed) -> null).thenCompose(previous -> {
      try {
        return clips.deliver(cameraId, clip).toCompletableFuture();
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    });
    lastDelivery = done;
    done.whenComplete((ok, failed) -> {
      deliveringFrom.remove(id);
      metrics.clip(failed == null ? "stored" : "lost");
    });
  }

  private static Frame decode(FrameHeaders.Stamp stamp, byte[] jpeg) throws IOException {
    if (jpeg.length < 4 || (jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8 || (jpeg[2] & 0xFF) != 0xFF) {
      throw new IOException("no JPEG start-of-image marker");
    }
    // In memory: ImageIO.read(InputStream) would cache each frame in a temporary file.
    BufferedImage image = ImageIO.read(new MemoryCacheImageInputStream(new ByteArrayInputStream(jpeg)));
    if (image == null) throw new IOException("no image reader accepts it");
    return Frame.of(stamp.sequence(), stamp.timeMillis(), image);
  }
}
