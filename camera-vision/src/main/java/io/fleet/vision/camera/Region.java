package io.fleet.vision.camera;

/** A rectangle of a frame, in frame pixels: {@code x} and {@code y} of its top-left corner, inclusive. */
public record Region(int x, int y, int width, int height) {

  public Region {
    if (x < 0 || y < 0 || width <= 0 || height <= 0) {
      throw new IllegalArgumentException("not a region: " + x + "," + y + " " + width + "x" + height);
    }
  }

  public boolean contains(int px, int py) {
    return px >= x && px < x + width && py >= y && py < y + height;
  }
}
