package io.fleet.vision.clip;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.vision.camera.Frame;
import io.fleet.vision.detect.Detection.Change;
import io.fleet.vision.detect.Detection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ClipRecorderTest {

  private static final Path DIRECTORY = Path.of("clips");

  /** Records what it was asked to encode, and on which thread, instead of encoding. */
  private static final class RecordingEncoder implements ClipEncoder {
    final List<List<Long>> clips = new ArrayList<>();
    final List<String> threads = new ArrayList<>();

    @Override
    public synchronized void encode(List<Frame> frames, double fps, Path target) {
      clips.add(frames.stream().map(Frame::index).toList());
      threads.add(Thread.currentThread().getName());
    }
  }

  private final RecordingEncoder encoder = new RecordingEncoder();
  private final List<Runnable> queued = new ArrayList<>();

  @Test
  void aClipHoldsThePreCaptureFramesTheEventAndThePostCaptureFrames() {
    ClipRecorder recorder = new ClipRecorder(settings(3, 4, 100, 2), encoder, Runnable::run);

    List<CompletableFuture<Clip>> clips = feed(recorder, 40, 10, 20);

    assertThat(clips).hasSize(1);
    assertThat(encoder.clips).containsExactly(range(7, 24));
    Clip clip = clips.get(0).join();
    assertThat(clip.frames()).isEqualTo(18);
    assertThat(clip.eventStartMillis()).isEqualTo(1000);
    assertThat(clip.firstFrameMillis()).isEqualTo(700);
    assertThat(clip.lastFrameMillis()).isEqualTo(2400);
    assertThat(clip.file()).isEqualTo(DIRECTORY.resolve("clip-1000-7.mp4"));
  }

  @Test
  void encodingRunsOnTheEncodingThreadAndNeverOnTheDetectionThread() throws Exception {
    ExecutorService encoding = ClipRecorder.encodingThread();
    try {
      ClipRecorder recorder = new ClipRecorder(settings(2, 2, 100, 2), encoder, encoding);

      List<CompletableFuture<Clip>> clips = feed(recorder, 30, 5, 10);
      clips.get(0).get(10, TimeUnit.SECONDS);

      assertThat(encoder.threads).containsExactly("fleet-clip-encoder");
    } finally {
      encoding.shutdownNow();
    }
  }

  @Test
  void anEventLongerThanTheClipLimitIsCutIntoSeveralClips() {
    ClipRecorder recorder = new ClipRecorder(settings(2, 2, 10, 5), encoder, Runnable::run);

    feed(recorder, 40, 5, 20);

    assertThat(encoder.clips).containsExactly(range(3, 12), range(13, 22));
  }

  @Test
  void anEventStartingAgainDuringPostCaptureExtendsTheClip() {
    ClipRecorder recorder = new ClipRecorder(settings(0, 5, 100, 2), encoder, Runnable::run);
    List<CompletableFuture<Clip>> clips = new ArrayList<>();

    for (long i = 0; i < 40; i++) {
      Change change = i == 5 || i == 17 ? Change.STARTED : i == 15 || i == 20 ? Change.ENDED : Change.NONE;
      recorder.accept(frame(i), detection(i, change, 500)).ifPresent(clips::add);
    }

    assertThat(clips).hasSize(1);
    assertThat(encoder.clips).containsExactly(range(5, 25));
  }

  @Test
  void aClipBeyondThePendingLimitIsDroppedAndCountedWhileTheEncoderIsBusy() {
    ClipRecorder recorder = new ClipRecorder(settings(0, 0, 100, 1), encoder, queued::add);

    List<CompletableFuture<Clip>> clips = new ArrayList<>();
    clips.addAll(feed(recorder, 10, 2, 4));
    clips.addAll(feed(recorder, 10, 2, 4));

    assertThat(clips).hasSize(2);
    assertThat(clips.get(1)).isCompletedExceptionally();
    assertThat(recorder.clipsDropped()).isEqualTo(1);
    queued.forEach(Runnable::run);
    assertThat(clips.get(0)).isCompleted();
    assertThat(encoder.clips).hasSize(1);
  }

  @Test
  void flushingFinishesTheClipOfAnEventStillUnderWay() throws ExecutionException, InterruptedException {
    ClipRecorder recorder = new ClipRecorder(settings(1, 5, 100, 2), encoder, Runnable::run);
    feed(recorder, 10, 4, 99);

    Optional<CompletableFuture<Clip>> clip = recorder.flush();

    assertThat(clip).isPresent();
    assertThat(clip.get().get().frames()).isEqualTo(7);
    assertThat(recorder.flush()).isEmpty();
  }

  /** Frames 0..count-1 at 10 fps, an event started at {@code start} and ended at {@code end}. */
  private static List<CompletableFuture<Clip>> feed(ClipRecorder recorder, int count, long start, long end) {
    List<CompletableFuture<Clip>> clips = new ArrayList<>();
    for (long i = 0; i < count; i++) {
      Change change = i == start ? Change.STARTED : i == end ? Change.ENDED : Change.NONE;
      recorder.accept(frame(i), detection(i, change, start * 100)).ifPresent(clips::add);
    }
    return clips;
  }

  private static Frame frame(long index) {
    return new Frame(index, index * 100, 4, 2, new int[8]);
  }

  private static Detection detection(long index, Change change, long eventStart) {
    return new Detection(index, index * 100, 0, 10, change == Change.STARTED, false, change != Change.ENDED,
        change, eventStart);
  }

  private static ClipSettings settings(int pre, int post, int maxFrames, int maxPending) {
    return new ClipSettings(pre, post, maxFrames, 10, maxPending, DIRECTORY);
  }

  private static List<Long> range(long first, long last) {
    return LongStream.rangeClosed(first, last).boxed().toList();
  }
}
