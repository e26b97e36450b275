package io.fleet.vision.camera;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.vision.camera.SyntheticScene.Episode;
import io.fleet.vision.camera.SyntheticScene.LightChange;
import io.fleet.vision.camera.SyntheticScene.MovingObject;
import io.fleet.vision.camera.SyntheticScene.Script;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyntheticSceneTest {

  private static final Script SCRIPT = new Script(80, 60, 10, 40, 3, 2,
      List.of(new MovingObject(5, 9, 8, 8, 10, 30, 2, 0, 0xFFFFFF),
          new MovingObject(8, 14, 8, 8, 40, 30, -1, 0, 0x000000),
          new MovingObject(30, 32, 8, 8, 10, 30, 0, 0, 0xFFFFFF)),
      List.of(new LightChange(20, 0.5, 0)), null);

  @Test
  void groundTruthMergesOverlappingObjectsIntoOneEpisode() {
    assertThat(new SyntheticScene(SCRIPT).groundTruth()).containsExactly(new Episode(5, 14), new Episode(30, 32));
  }

  @Test
  void theSameScriptRendersTheSameFrames() {
    SyntheticScene one = new SyntheticScene(SCRIPT);
    SyntheticScene other = new SyntheticScene(SCRIPT);
    for (int i = 0; i < SCRIPT.frames(); i++) {
      assertThat(one.next().orElseThrow().rgb()).isEqualTo(other.next().orElseThrow().rgb());
    }
    assertThat(one.next()).isEmpty();
  }

  @Test
  void aLightChangeDimsEveryPixelFromItsFrameOn() {
    SyntheticScene scene = new SyntheticScene(SCRIPT);
    double before = 0;
    double after = 0;
    for (int i = 0; i < 25; i++) {
      Frame frame = scene.next().orElseThrow();
      if (i == 19) {
        before = meanGreen(frame);
      } else if (i == 20) {
        after = meanGreen(frame);
      }
    }
    assertThat(after / before).isBetween(0.45, 0.55);
  }

  private static double meanGreen(Frame frame) {
    long sum = 0;
    for (int p : frame.rgb()) {
      sum += (p >> 8) & 0xFF;
    }
    return sum / (double) frame.rgb().length;
  }
}
