package io.fleet.vision.clip;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.vision.camera.Frame;
import io.fleet.vision.camera.SyntheticScene.MovingObject;
import io.fleet.vision.camera.SyntheticScene.Script;
import io.fleet.vision.camera.SyntheticScene;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Mp4ClipEncoderTest {

  @TempDir
  Path directory;

  @Test
  void writesAnMp4FileWithItsIndexAndLeavesNoPartialFileBehind() throws IOException {
    Path clip = directory.resolve("clip.mp4");

    new Mp4ClipEncoder().encode(frames(160, 120, 12), 10, clip);

    String head = new String(Files.readAllBytes(clip), StandardCharsets.ISO_8859_1);
    assertThat(head.substring(4, 8)).isEqualTo("ftyp");
    assertThat(head).contains("moov").contains("avc1");
    try (var files = Files.list(directory)) {
      assertThat(files).containsExactly(clip);
    }
  }

  @Test
  void framesOfOddSizeAreCroppedToEvenOnes() throws IOException {
    Path clip = directory.resolve("odd.mp4");

    new Mp4ClipEncoder().encode(frames(161, 121, 3), 12.5, clip);

    assertThat(Files.size(clip)).isPositive();
  }

  static List<Frame> frames(int width, int height, int count) {
    SyntheticScene scene = new SyntheticScene(new Script(width, height, 10, count, 1, 3,
        List.of(new MovingObject(0, count, width / 5, height / 3, 0, height / 2.0, 4, 0, 0xE0E040)),
        List.of(), null));
    List<Frame> frames = new ArrayList<>();
    scene.next().ifPresent(frames::add);
    for (int i = 1; i < count; i++) {
      frames.add(scene.next().orElseThrow());
    }
    return frames;
  }
}
