package io.fleet.agent.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.vision.camera.Frame;
import io.fleet.vision.camera.MjpegServer;
import io.fleet.vision.camera.MjpegStream;
import io.fleet.vision.camera.SceneScripts;
import io.fleet.vision.camera.SyntheticScene.Episode;
import io.fleet.vision.camera.SyntheticScene.MovingObject;
import io.fleet.vision.camera.SyntheticScene.Script;
import io.fleet.vision.camera.SyntheticScene;
import io.fleet.vision.clip.Clip;
import io.fleet.vision.clip.ClipEncoder;
import io.fleet.vision.clip.ClipRecorder;
import io.fleet.vision.clip.ClipSettings;
import io.fleet.vision.detect.Detection;
import io.fleet.vision.detect.DetectorSettings;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class MotionWatchTest {

  private static final DetectorSettings SETTINGS = DetectorSettings.defaults().withThreshold(60)
      .withIgnore(List.of(SceneScripts.swayRegion(320, 240)));

  /** Keeps what the watch reported. */
  private static final class Reports implements MotionWatch.Listener {
    final List<Detection> started = new ArrayList<>();
    final List<Detection> ended = new ArrayList<>();
    final List<CompletableFuture<Clip>> clips = new ArrayList<>();

    @Override
    public void eventStarted(Detection detection) {
      started.add(detection);
    }

    @Override
    public void eventEnded(Detection detection) {
      ended.add(detection);
    }

    @Override
    public void clipRecorded(CompletableFuture<Clip> clip) {
      clips.add(clip);
    }
  }

  /** Counts frames instead of encoding them. */
  private static final ClipEncoder NO_ENCODING = (frames, fps, target) -> {};

  private final Reports reports = new Reports();
  private final ClipRecorder recorder = new ClipRecorder(new ClipSettings(10, 10, 500, 10, 4, Path.of("clips")),
      NO_ENCODING, Runnable::run);

  @Test
  void reportsEveryEventOfALabelledSceneWithOneClipEach() throws IOException {
    SyntheticScene scene = new SyntheticScene(SceneScripts.labelled(3, 320, 240, 10, 4));

    long frames = new MotionWatch(SETTINGS, recorder, reports).run(scene);

    assertThat(frames).isEqualTo(scene.script().frames());
    List<Episode> truth = scene.groundTruth();
    assertThat(reports.started).hasSize(truth.size());
    assertThat(reports.ended).hasSize(truth.size());
    assertThat(reports.clips).hasSize(truth.size());
    for (int i = 0; i < truth.size(); i++) {
      Clip clip = reports.clips.get(i).join();
      assertThat(clip.eventStartMillis() / 100).as("clip %d starts with its episode", i)
          .isBetween((long) truth.get(i).firstFrame(), (long) truth.get(i).lastFrame());
      assertThat(clip.firstFrameMillis()).isLessThan(clip.eventStartMillis());
    }
  }

  @Test
  void watchesAnMjpegCameraAndFinishesTheOpenClipWhenTheStreamEnds() throws IOException {
    List<BufferedImage> images = new ArrayList<>();
    SyntheticScene scene = new SyntheticScene(new Script(320, 240, 10, 60, 9, 3,
        List.of(new MovingObject(30, 59, 30, 50, 20, 150, 5, 0, 0x202020)), List.of(), null));
    for (Optional<Frame> frame = scene.next(); frame.isPresent(); frame = scene.next()) {
      images.add(frame.get().toImage());
    }

    try (MjpegServer camera = new MjpegServer(images, "multipart/x-mixed-replace; boundary=" + MjpegServer.BOUNDARY);
        MjpegStream stream = MjpegStream.open(camera.uri(), Duration.ofSeconds(10))) {
      long frames = new MotionWatch(SETTINGS, recorder, reports).run(stream);

      assertThat(frames).isEqualTo(60);
    }
    assertThat(reports.started).hasSize(1);
    assertThat(reports.started.get(0).frameIndex()).isBetween(31L, 33L);
    assertThat(reports.clips).hasSize(1);
    assertThat(reports.clips.get(0).join().frames()).as("10 pre-capture frames and the rest of the stream")
        .isBetween(38, 40);
  }

  @Test
  void stopEndsTheWatchAfterTheCurrentFrame() throws IOException {
    SyntheticScene scene = new SyntheticScene(SceneScripts.labelled(3, 320, 240, 10, 4));
    MotionWatch[] watch = new MotionWatch[1];
    watch[0] = new MotionWatch(SETTINGS, recorder, new MotionWatch.Listener() {
      @Override
      public void eventStarted(Detection detection) {
        watch[0].stop();
      }
    });

    long frames = watch[0].run(scene);

    assertThat(frames).isLessThan(scene.script().frames());
    assertThat(recorder.isRecording()).isFalse();
  }
}
