package io.fleet.vision.camera;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class FrameTest {

  @Test
  void aDecodedJpegIsReadFromItsBytesWithTheSamePixelsAsGetRgb() throws IOException {
    SyntheticScene scene = new SyntheticScene(new SyntheticScene.Script(64, 48, 10, 1, 5, 4,
        List.of(new SyntheticScene.MovingObject(0, 0, 20, 10, 5, 5, 0, 0, 0xC03020)), List.of(), null));
    ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
    ImageIO.write(scene.next().orElseThrow().toImage(), "jpg", jpeg);
    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(jpeg.toByteArray()));
    assertThat(decoded.getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);

    Frame frame = Frame.of(3, 300, decoded);

    int[] expected = decoded.getRGB(0, 0, 64, 48, null, 0, 64);
    for (int i = 0; i < expected.length; i++) {
      expected[i] &= 0xFFFFFF;
    }
    assertThat(frame.rgb()).containsExactly(expected);
    assertThat(frame.index()).isEqualTo(3);
  }

  @Test
  void anImageOfAnotherLayoutIsReadThroughGetRgb() {
    BufferedImage image = new BufferedImage(4, 2, BufferedImage.TYPE_INT_ARGB);
    image.setRGB(1, 1, 0xFF123456);

    assertThat(Frame.of(0, 0, image).rgb()[5]).isEqualTo(0x123456);
  }
}
