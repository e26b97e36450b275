package io.fleet.frames;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.vision.camera.SyntheticScene.MovingObject;
import io.fleet.vision.camera.SyntheticScene.Script;
import io.fleet.vision.camera.SyntheticScene;
import io.fleet.vision.clip.Clip;
import io.fleet.vision.detect.DetectorSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One camera's frames through the shared detector and clip recorder, with the offsets it holds for its clips. */
class CameraLaneTest {
  private static final String CAMERA = "cam-1";

  @TempDir
  Path dir;

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<Clip> clips = new ArrayList<>();
  private final List<CompletableFuture<Void>> deliveries = new ArrayList<>();
  private final List<Integer> encoded = new ArrayList<>();
  private CameraLane lane;

  @BeforeEach
  void lane() {
    FrameSettings settings = new FrameSettings(true, "fleet.frames", "g", 10, 10, 1 << 20, 1, 1, 10, 5, 5, 100, 2,
        DetectorSettings.defaults().withThreshold(100), dir, Duration.ofMinutes(2),
        new FrameSettings.Seed(false, "VideoStreaming", "s", 3, Map.of()));
    ClipDelivery delivery = (camera, clip) -> {
      CompletableFuture<Void> delivered = new CompletableFuture<>();
      clip.thenAccept(clips::add);
      deliveries.add(delivered);
      return delivered;
    };
    lane = new CameraLane(CAMERA, settings, (frames, fps, target) -> encoded.add(frames.size()), Runnable::run, delivery,
        new FrameMetrics(registry, CAMERA));
  }

  @Test
  void anEpisodeGivesOneClipWhoseFramesStayHeldUntilItIsDelivered() throws IOException {
    // Quiet for 2 s, an object crossing frames 20-39, quiet again until frame 79.
    List<byte[]> jpegs = scene(80, new MovingObject(20, 39, 30, 30, 10, 40, 3, 0, 0x101010));
    long offsetBase = 1000;
    for (int n = 0; n < jpegs.size(); n++) {
      assertThat(lane.look(stamp(n), offsetBase + n, jpegs.get(n))).isInstanceOf(CameraLane.Looked.class);
      if (n == 10) assertThat(lane.oldestHeld()).as("idle: the pre-capture frames").isEqualTo(offsetBase + 5);
    }

    assertThat(clips).singleElement().satisfies(clip -> {
      assertThat(clip.eventStartMillis()).isBetween(2000L, 2100L);
      assertThat(clip.firstFrameMillis()).as("pre-capture").isLessThan(clip.eventStartMillis());
    });
    long firstClipOffset = offsetBase + clips.get(0).firstFrameMillis() / 100;
    assertThat(lane.oldestHeld()).as("the clip's frames, until it is stored").isEqualTo(firstClipOffset);
    deliveries.get(0).complete(null);
    assertThat(lane.oldestHeld()).as("then only the pre-capture frames").isEqualTo(offsetBase + 74);
    assertThat(registry.get("fleet_frames_processed").tag("camera", CAMERA).counter().count()).isEqualTo(80);
    assertThat(registry.get("fleet_frame_clips").tag("outcome", "stored").counter().count()).isEqualTo(1);
  }

  @Test
  void aSecondClipGoesToItsDeliveryOnlyOnceTheFirstIsDelivered() throws IOException {
    List<byte[]> jpegs = scene(130, new MovingObject(20, 39, 30, 30, 10, 40, 3, 0, 0x101010),
        new MovingObject(80, 99, 30, 30, 100, 40, -3, 0, 0x101010));
    for (int n = 0; n < jpegs.size(); n++) lane.look(stamp(n), n, jpegs.get(n));

    assertThat(encoded).as("both clips cut and encoded").hasSize(2);
    assertThat(deliveries).as("the second waits for the first").hasSize(1);
    deliveries.get(0).complete(null);
    assertThat(deliveries).hasSize(2);
  }

  @Test
  void aCameraThatFallsSilentMidEventHasItsClipFinishedAndThenHoldsNothing() throws IOException {
    List<byte[]> jpegs = scene(40, new MovingObject(20, 39, 30, 30, 10, 40, 3, 0, 0x101010));
    for (int n = 0; n < jpegs.size(); n++) lane.look(stamp(n), n, jpegs.get(n));
    assertThat(clips).as("still recording").isEmpty();
    assertThat(lane.idle(System.nanoTime(), Duration.ofMinutes(1))).isFalse();
    assertThat(lane.idle(System.nanoTime() + Duration.ofMinutes(2).toNanos(), Duration.ofMinutes(1))).isTrue();

    assertThat(lane.release()).as("its clip is being delivered").isFalse();

    assertThat(clips).singleElement().satisfies(clip -> assertThat(clip.lastFrameMillis()).isEqualTo(3900));
    assertThat(lane.oldestHeld()).isLessThan(20);
    deliveries.get(0).complete(null);
    assertThat(lane.release()).isTrue();
    assertThat(lane.oldestHeld()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void framesOutOfOrderOrRepeatedAreDroppedAndSkippedSequencesCounted() throws IOException {
    List<byte[]> jpegs = scene(5);
    long[] sequences = {0, 1, 3, 2, 3, 4};
    List<CameraLane.Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < sequences.length; i++) {
      outcomes.add(lane.look(stamp(sequences[i]), i, jpegs.get((int) sequences[i])));
    }

    assertThat(outcomes).extracting(o -> o.getClass().getSimpleName())
        .containsExactly("Looked", "Looked", "Looked", "Dropped", "Dropped", "Looked");
    assertThat(outcomes.get(3)).isEqualTo(new CameraLane.Dropped("out-of-order"));
    assertThat(outcomes.get(4)).isEqualTo(new CameraLane.Dropped("duplicate"));
    assertThat(registry.get("fleet_frames_missing").counter().count()).isEqualTo(1);
    assertThat(registry.get("fleet_frames_processed").counter().count()).isEqualTo(4);
  }

  @Test
  void aFrameThatIsNotAJpegIsMalformedAndTakesNoPlaceInTheSequence() throws IOException {
    List<byte[]> jpegs = scene(2);
    lane.look(stamp(0), 0, jpegs.get(0));

    CameraLane.Outcome bad = lane.look(stamp(1), 1, "<html>".getBytes(StandardCharsets.UTF_8));
    CameraLane.Outcome cut = lane.look(stamp(1), 2, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0, 1, 2});

    assertThat(bad).isInstanceOf(CameraLane.Malformed.class);
    assertThat(((CameraLane.Malformed) bad).detail()).contains("not a readable JPEG");
    assertThat(cut).isInstanceOf(CameraLane.Malformed.class);
    assertThat(lane.look(stamp(1), 3, jpegs.get(1))).isInstanceOf(CameraLane.Looked.class);
    assertThat(registry.get("fleet_frames_missing").counter().count()).isZero();
  }

  private static FrameHeaders.Stamp stamp(long sequence) {
    return new FrameHeaders.Stamp(CAMERA, sequence, sequence * 100);
  }

  private static List<byte[]> scene(int frames, MovingObject... objects) throws IOException {
    SyntheticScene scene = new SyntheticScene(new Script(160, 120, 10, frames, 7, 2, List.of(objects), List.of(), null));
    List<byte[]> jpegs = new ArrayList<>();
    for (int n = 0; n < frames; n++) {
      ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
      ImageIO.write(scene.next().orElseThrow().toImage(), "jpg", jpeg);
      jpegs.add(jpeg.toByteArray());
    }
    return jpegs;
  }
}
