package io.fleet.vision.detect;

/**
 * Morphological clean-up of a binary changed-pixel map (1 = changed), as Motion's {@code despeckle_filter}: erosion
 * removes isolated noise pixels and thin edges, dilation grows the surviving blobs back. Owns three scratch maps of
 * the detection size, reused for every frame; not thread-safe.
 */
final class Despeckle {

  private final String steps;
  private final int width;
  private final int height;
  private final byte[] first;
  private final byte[] second;
  private final byte[] rows;

  Despeckle(String steps, int width, int height) {
    this.steps = steps;
    this.width = width;
    this.height = height;
    this.first = new byte[width * height];
    this.second = new byte[width * height];
    this.rows = new byte[width * height];
  }

  /** Applies the steps to {@code map}, left unchanged; returns the result: {@code map} itself or a scratch map. */
  byte[] apply(byte[] map) {
    byte[] current = map;
    for (int s = 0; s < steps.length(); s++) {
      byte[] target = current == first ? second : first;
      switch (steps.charAt(s)) {
        case 'e' -> cross(current, target, true);
        case 'd' -> cross(current, target, false);
        case 'E' -> box(current, target, true);
        default -> box(current, target, false);
      }
      current = target;
    }
    return current;
  }

  /** Cross (4-neighbour) erosion or dilation; outside the frame counts as unchanged. */
  private void cross(byte[] in, byte[] out, boolean erode) {
    int w = width;
    for (int y = 0; y < height; y++) {
      int row = y * w;
      if (y == 0 || y == height - 1) {
        for (int x = 0; x < w; x++) {
          out[row + x] = crossAtEdge(in, x, y, erode);
        }
        continue;
      }
      out[row] = crossAtEdge(in, 0, y, erode);
      // Inner pixels without bounds checks: this loop is most of the filter's time.
      if (erode) {
        for (int i = row + 1; i < row + w - 1; i++) {
          out[i] = (byte) (in[i] & in[i - 1] & in[i + 1] & in[i - w] & in[i + w]);
        }
      } else {
        for (int i = row + 1; i < row + w - 1; i++) {
          out[i] = (byte) (in[i] | in[i - 1] | in[i + 1] | in[i - w] | in[i + w]);
        }
      }
      out[row + w - 1] = crossAtEdge(in, w - 1, y, erode);
    }
  }

  private byte crossAtEdge(byte[] in, int x, int y, boolean erode) {
    int i = y * width + x;
    int l = x > 0 ? in[i - 1] : 0;
    int r = x < width - 1 ? in[i + 1] : 0;
    int u = y > 0 ? in[i - width] : 0;
    int d = y < height - 1 ? in[i + width] : 0;
    return (byte) (erode ? in[i] & l & r & u & d : in[i] | l | r | u | d);
  }

  /** 3×3 box erosion or dilation, done separably: rows into a scratch map, then columns. */
  private void box(byte[] in, byte[] out, boolean erode) {
    for (int y = 0; y < height; y++) {
      int row = y * width;
      for (int x = 0; x < width; x++) {
        int i = row + x;
        int l = x > 0 ? in[i - 1] : 0;
        int r = x < width - 1 ? in[i + 1] : 0;
        rows[i] = (byte) (erode ? in[i] & l & r : in[i] | l | r);
      }
    }
    for (int y = 0; y < height; y++) {
      int row = y * width;
      for (int x = 0; x < width; x++) {
        int i = row + x;
        int u = y > 0 ? rows[i - width] : 0;
        int d = y < height - 1 ? rows[i + width] : 0;
        out[i] = (byte) (erode ? rows[i] & u & d : rows[i] | u | d);
      }
    }
  }
}
