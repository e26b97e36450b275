package io.fleet.vision.camera;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/** Small pictures whose content a lossy codec keeps recognisable: a gray background with a bright square. */
final class TestImages {

  private TestImages() {}

  /** A 64×48 image, background gray {@code level}, white square at column {@code 8 * position}. */
  static BufferedImage square(int level, int position) {
    BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(new Color(level, level, level));
    g.fillRect(0, 0, 64, 48);
    g.setColor(Color.WHITE);
    g.fillRect(8 * position, 16, 16, 16);
    g.dispose();
    return image;
  }

  /** The gray level of a frame's pixel (any channel: the pictures are gray). */
  static int levelAt(Frame frame, int x, int y) {
    return (frame.rgb()[y * frame.width() + x] >> 8) & 0xFF;
  }
}
