package io.fleet.vision.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fleet.vision.camera.Frame;
import io.fleet.vision.camera.Region;
import io.fleet.vision.camera.SceneScripts;
import io.fleet.vision.camera.SyntheticScene.LightChange;
import io.fleet.vision.camera.SyntheticScene.MovingObject;
import io.fleet.vision.camera.SyntheticScene.Script;
import io.fleet.vision.camera.SyntheticScene.Sway;
import io.fleet.vision.camera.SyntheticScene;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MotionDetectorTest {

  private static final int WIDTH = 320;
  private static final int HEIGHT = 240;
  private static final double FPS = 10;
  private static final Region TREE = SceneScripts.swayRegion(WIDTH, HEIGHT);
  private static final DetectorSettings SETTINGS = DetectorSettings.defaults().withThreshold(60)
      .withIgnore(List.of(TREE));

  @Test
  void findsLabelledMotionEpisodesWithEventPrecisionAndRecallOfAtLeast95Percent() throws IOException {
    EventScore total = new EventScore(0, 0, 0);
    for (long seed = 1; seed <= 6; seed++) {
      SyntheticScene scene = new SyntheticScene(SceneScripts.labelled(seed, WIDTH, HEIGHT, FPS, 8));
      EventScore score = EventScore.of(DetectedEvents.run(SETTINGS, scene).events, scene.groundTruth(), 1);
      System.out.printf("scene %d (noise sigma %.1f, %d light changes): %s%n", seed, scene.script().noiseSigma(),
          scene.script().lightChanges().size(), score);
      total = total.plus(score);
    }
    System.out.println("all scenes: " + total);
    assertThat(total.episodes()).isEqualTo(48);
    assertThat(total.precision()).as("event precision, " + total).isGreaterThanOrEqualTo(0.95);
    assertThat(total.recall()).as("event recall, " + total).isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void suddenLightChangesResetTheReferenceInsteadOfStartingAnEvent() throws IOException {
    Script lights = quietScript(List.of(), List.of(new LightChange(40, 1.5, 10), new LightChange(80, 1, 0),
        new LightChange(120, 0.5, 0)));

    DetectedEvents withLightswitch = DetectedEvents.run(SETTINGS, new SyntheticScene(lights));
    DetectedEvents without = DetectedEvents.run(SETTINGS.withLightswitch(0, 0), new SyntheticScene(lights));

    assertThat(withLightswitch.events).isEmpty();
    assertThat(withLightswitch.lightSwitches).isEqualTo(3);
    assertThat(without.events).as("the same scene without lightswitch detection").isNotEmpty();
  }

  @Test
  void aGradualLightChangeLikeDuskIsFollowedWithoutMotion() throws IOException {
    List<LightChange> dusk = IntStream.range(0, 100).mapToObj(k -> new LightChange(20 + k, 1 - 0.006 * k, 0))
        .toList();

    DetectedEvents detected = DetectedEvents.run(SETTINGS, new SyntheticScene(quietScript(List.of(), dusk)));

    assertThat(detected.motionFrames).isZero();
    assertThat(detected.lightSwitches).isZero();
  }

  @Test
  void aSwayingTreeInAnIgnoredRegionStartsNoEvent() throws IOException {
    Script tree = quietScript(List.of(), List.of());

    DetectedEvents masked = DetectedEvents.run(SETTINGS, new SyntheticScene(tree));
    DetectedEvents unmasked = DetectedEvents.run(SETTINGS.withIgnore(List.of()), new SyntheticScene(tree));

    assertThat(masked.events).isEmpty();
    assertThat(masked.motionFrames).isZero();
    assertThat(unmasked.events).as("the same tree without the mask").isNotEmpty();
  }

  @Test
  void oneChangedFrameStartsNoEventWhenTwoConsecutiveMotionFramesAreRequired() throws IOException {
    Script flash = quietScript(List.of(object(50, 50, 0)), List.of());

    assertThat(DetectedEvents.run(SETTINGS.withMinimumMotionFrames(2), new SyntheticScene(flash)).events).isEmpty();
    assertThat(DetectedEvents.run(SETTINGS.withMinimumMotionFrames(1), new SyntheticScene(flash)).events).hasSize(1);
  }

  @Test
  void anEventStartsAtItsFirstMotionFrameAndEndsOneEventGapAfterTheLast() throws IOException {
    Script walk = quietScript(List.of(object(30, 49, 2)), List.of());

    List<DetectedEvents.Event> events = DetectedEvents.run(SETTINGS.withEventGap(Duration.ofSeconds(2)),
        new SyntheticScene(walk)).events;

    assertThat(events).containsExactly(new DetectedEvents.Event(30, 49 + 20));
  }

  @Test
  void anObjectThatStopsBecomesBackgroundAfterTheStaticObjectFrames() throws IOException {
    Script parking = quietScript(List.of(object(30, 159, 0)), List.of());
    DetectorSettings settings = new DetectorSettings(2, 12, true, 60, "ed", 2, Duration.ofSeconds(2), 0.1, 50,
        0.3, 3, List.of(TREE));

    List<DetectedEvents.Event> events = DetectedEvents.run(settings, new SyntheticScene(parking)).events;

    assertThat(events).hasSize(1);
    assertThat(events.get(0).endFrame()).as("ends one event gap after the object was accepted").isBetween(95L, 105L);
  }

  @Test
  void noiseLevelTunesItselfToTheSensorNoise() throws IOException {
    DetectedEvents clean = DetectedEvents.run(SETTINGS, new SyntheticScene(quietScript(1.5)));
    DetectedEvents noisy = DetectedEvents.run(SETTINGS, new SyntheticScene(quietScript(8)));

    assertThat(clean.lastNoiseLevel).isLessThan(noisy.lastNoiseLevel);
    assertThat(noisy.motionFrames).as("noise of sigma 8 is not motion").isZero();
  }

  @Test
  void refusesFramesOfAnotherSize() {
    MotionDetector detector = new MotionDetector(SETTINGS, WIDTH, HEIGHT);

    assertThatThrownBy(() -> detector.detect(new Frame(0, 0, 64, 48, new int[64 * 48])))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("64x48");
  }

  private static MovingObject object(int first, int last, double speed) {
    return new MovingObject(first, last, 24, 40, 60, 150, speed, 0, 0x202020);
  }

  private static Script quietScript(List<MovingObject> objects, List<LightChange> lights) {
    return new Script(WIDTH, HEIGHT, FPS, 160, 7, 4, objects, lights, new Sway(TREE, 6, 20));
  }

  private static Script quietScript(double noiseSigma) {
    return new Script(WIDTH, HEIGHT, FPS, 100, 7, noiseSigma, List.of(), List.of(), new Sway(TREE, 6, 20));
  }
}
