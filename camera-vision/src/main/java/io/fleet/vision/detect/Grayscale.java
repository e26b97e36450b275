package io.fleet.vision.detect;

/** Packed RGB to 8-bit luma, optionally shrunk by box averaging. Stateless. */
public final class Grayscale {

  private Grayscale() {}

  /** ITU-R BT.601 luma in integer arithmetic: (77 R + 150 G + 29 B) / 256. */
  public static int luma(int rgb) {
    return (77 * ((rgb >> 16) & 0xFF) + 150 * ((rgb >> 8) & 0xFF) + 29 * (rgb & 0xFF)) >> 8;
  }

  /**
   * Writes the luma of a {@code width}×{@code height} frame shrunk by {@code factor} into {@code gray}, which must
   * hold {@code (width / factor) * (height / factor)} pixels; a remainder of columns or rows is dropped.
   */
  public static void downscale(int[] rgb, int width, int height, int factor, byte[] gray) {
    int outWidth = width / factor;
    int outHeight = height / factor;
    if (factor == 1) {
      for (int i = 0; i < outWidth * outHeight; i++) {
        gray[i] = (byte) luma(rgb[i]);
      }
      return;
    }
    if (factor == 2) {
      halve(rgb, width, outWidth, outHeight, gray);
      return;
    }
    int area = factor * factor;
    for (int oy = 0; oy < outHeight; oy++) {
      int rowStart = oy * factor * width;
      for (int ox = 0; ox < outWidth; ox++) {
        int sum = 0;
        int start = rowStart + ox * factor;
        for (int dy = 0; dy < factor; dy++) {
          int p = start + dy * width;
          for (int dx = 0; dx < factor; dx++) {
            sum += luma(rgb[p + dx]);
          }
        }
        gray[oy * outWidth + ox] = (byte) (sum / area);
      }
    }
  }

  /** The common case, unrolled: channels of each 2×2 block summed first, then one luma of the sums. */
  private static void halve(int[] rgb, int width, int outWidth, int outHeight, byte[] gray) {
    for (int oy = 0; oy < outHeight; oy++) {
      int top = 2 * oy * width;
      int bottom = top + width;
      int out = oy * outWidth;
      for (int ox = 0; ox < outWidth; ox++) {
        int a = rgb[top + 2 * ox];
        int b = rgb[top + 2 * ox + 1];
        int c = rgb[bottom + 2 * ox];
        int d = rgb[bottom + 2 * ox + 1];
        int red = ((a >> 16) & 0xFF) + ((b >> 16) & 0xFF) + ((c >> 16) & 0xFF) + ((d >> 16) & 0xFF);
        int green = ((a >> 8) & 0xFF) + ((b >> 8) & 0xFF) + ((c >> 8) & 0xFF) + ((d >> 8) & 0xFF);
        int blue = (a & 0xFF) + (b & 0xFF) + (c & 0xFF) + (d & 0xFF);
        gray[out + ox] = (byte) ((77 * red + 150 * green + 29 * blue) >> 10);
      }
    }
  }
}
