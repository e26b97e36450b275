package io.fleet.vision.camera;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.util.Objects;

/**
 * One picture from a camera: packed {@code 0xRRGGBB} pixels, row by row. The pixel array is shared, not copied:
 * sources hand out a fresh array per frame and nobody writes to it afterwards, so the detector, the pre-capture
 * buffer and the clip encoder can all hold the same frame.
 *
 * @param index position in its source, from 0
 * @param timestampMillis capture time, milliseconds (epoch or since the source started; monotonic within a source)
 */
public record Frame(long index, long timestampMillis, int width, int height, int[] rgb) {

  public Frame {
    Objects.requireNonNull(rgb, "rgb");
    if (width <= 0 || height <= 0 || rgb.length != width * height) {
      throw new IllegalArgumentException("frame of " + width + "x" + height + " needs " + width * height
          + " pixels, has " + rgb.length);
    }
  }

  /**
   * Reads the pixels of any image (one copy into a packed RGB array). What JPEG decoders return (3-byte BGR) is
   * read straight from its bytes, several times faster than {@link BufferedImage#getRGB}, with the same result.
   */
  public static Frame of(long index, long timestampMillis, BufferedImage image) {
    int width = image.getWidth();
    int height = image.getHeight();
    if (image.getType() == BufferedImage.TYPE_3BYTE_BGR && image.getRaster().getParent() == null
        && image.getRaster().getDataBuffer() instanceof DataBufferByte buffer
        && buffer.getNumBanks() == 1 && buffer.getData().length == width * height * 3) {
      byte[] bgr = buffer.getData();
      int[] rgb = new int[width * height];
      for (int i = 0, b = 0; i < rgb.length; i++, b += 3) {
        rgb[i] = (bgr[b + 2] & 0xFF) << 16 | (bgr[b + 1] & 0xFF) << 8 | (bgr[b] & 0xFF);
      }
      return new Frame(index, timestampMillis, width, height, rgb);
    }
    int[] rgb = image.getRGB(0, 0, width, height, null, 0, width);
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] &= 0xFFFFFF;
    }
    return new Frame(index, timestampMillis, width, height, rgb);
  }

  /** A copy of the pixels as an RGB image (what image writers and the clip encoder take). */
  public BufferedImage toImage() {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int[] target = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
    System.arraycopy(rgb, 0, target, 0, rgb.length);
    return image;
  }
}
