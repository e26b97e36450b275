package io.fleet.vision.camera;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameDirectoryTest {

  @TempDir
  Path directory;

  @Test
  void readsJpegAndPngFilesInNameOrderWithTimestampsFromTheFrameRate() throws IOException {
    ImageIO.write(TestImages.square(200, 2), "png", directory.resolve("frame-002.png").toFile());
    ImageIO.write(TestImages.square(50, 0), "jpg", directory.resolve("frame-000.jpg").toFile());
    ImageIO.write(TestImages.square(120, 1), "jpg", directory.resolve("frame-001.JPEG").toFile());
    Files.writeString(directory.resolve("notes.txt"), "not a frame");

    try (FrameDirectory frames = FrameDirectory.open(directory, 4)) {
      assertThat(frames.size()).isEqualTo(3);
      Frame first = frames.next().orElseThrow();
      Frame second = frames.next().orElseThrow();
      Frame third = frames.next().orElseThrow();

      assertThat(TestImages.levelAt(first, 60, 4)).isBetween(45, 55);
      assertThat(TestImages.levelAt(second, 60, 4)).isBetween(115, 125);
      assertThat(TestImages.levelAt(third, 60, 4)).isEqualTo(200);
      assertThat(third.index()).isEqualTo(2);
      assertThat(third.timestampMillis()).isEqualTo(500);
      assertThat(frames.next()).isEqualTo(Optional.empty());
    }
  }

  @Test
  void aFileThatIsNotAnImageFailsWithItsName() throws IOException {
    Files.writeString(directory.resolve("broken.jpg"), "not a jpeg");

    try (FrameDirectory frames = FrameDirectory.open(directory, 10)) {
      assertThatThrownBy(frames::next).isInstanceOf(IOException.class).hasMessageContaining("broken.jpg");
    }
  }
}
