package io.fleet.vision.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class GrayscaleTest {

  @Test
  void lumaWeighsGreenMostAndBlueLeast() {
    assertThat(Grayscale.luma(0xFFFFFF)).isEqualTo(255);
    assertThat(Grayscale.luma(0x00FF00)).isEqualTo(149);
    assertThat(Grayscale.luma(0xFF0000)).isEqualTo(76);
    assertThat(Grayscale.luma(0x0000FF)).isEqualTo(28);
  }

  @Test
  void everyDownscaleFactorAveragesTheLumaOfItsBlocksWithinTwoLevels() {
    int width = 12;
    int height = 8;
    int[] rgb = new SplittableRandom(1).ints(width * height, 0, 1 << 24).toArray();
    for (int factor : new int[] {1, 2, 4}) {
      byte[] gray = new byte[(width / factor) * (height / factor)];
      Grayscale.downscale(rgb, width, height, factor, gray);
      for (int oy = 0; oy < height / factor; oy++) {
        for (int ox = 0; ox < width / factor; ox++) {
          double sum = 0;
          for (int y = oy * factor; y < (oy + 1) * factor; y++) {
            for (int x = ox * factor; x < (ox + 1) * factor; x++) {
              int p = rgb[y * width + x];
              sum += 0.299 * (p >> 16 & 0xFF) + 0.587 * (p >> 8 & 0xFF) + 0.114 * (p & 0xFF);
            }
          }
          assertThat(gray[oy * (width / factor) + ox] & 0xFF).as("factor %d block %d,%d", factor, ox, oy)
              .isCloseTo((int) (sum / (factor * factor)), Offset.offset(2));
        }
      }
    }
  }
}
