package io.fleet.vision.camera;

import io.fleet.vision.camera.SyntheticScene.LightChange;
import io.fleet.vision.camera.SyntheticScene.MovingObject;
import io.fleet.vision.camera.SyntheticScene.Script;
import io.fleet.vision.camera.SyntheticScene.Sway;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Scripts for {@link SyntheticScene}: random but reproducible scenes with labelled motion, for detector tests,
 * the benchmark and the simulator's cameras.
 */
public final class SceneScripts {

  private SceneScripts() {}

  /** Where {@link #labelled} puts its swaying tree: the top right corner, which no object crosses. */
  public static Region swayRegion(int width, int height) {
    int left = width * 7 / 10;
    return new Region(left, 0, width - left, height * 35 / 100);
  }

  /**
   * A scene of {@code episodes} motion episodes separated by 4–8 s of quiet: objects small to large (a person far
   * away to one next to the camera), slow to fast (a fifth of a pixel to a tenth of the frame width per frame),
   * sometimes two at once; sensor noise of sigma 2–6; a light switched on or off in every other quiet gap; and a
   * tree swaying in {@link #swayRegion} all the time. The first three seconds are quiet (the detector settles).
   */
  public static Script labelled(long seed, int width, int height, double fps, int episodes) {
    SplittableRandom random = new SplittableRandom(seed);
    List<MovingObject> objects = new ArrayList<>();
    List<LightChange> lights = new ArrayList<>();
    int frame = (int) (3 * fps);
    boolean lit = false;
    for (int e = 0; e < episodes; e++) {
      int duration = (int) (fps * random.nextDouble(1.5, 5));
      int count = random.nextInt(4) == 0 ? 2 : 1;
      for (int o = 0; o < count; o++) {
        objects.add(randomObject(random, width, height, frame + o * duration / 3, duration - o * duration / 3));
      }
      frame += duration;
      int gap = (int) (fps * random.nextDouble(4, 8));
      if (e % 2 == 1) {
        lit = !lit;
        double gain = lit ? random.nextDouble(1.35, 1.6) : 1;
        lights.add(new LightChange(frame + gap / 2, random.nextBoolean() && lit ? 2 - gain : gain,
            lit ? random.nextInt(-10, 11) : 0));
      }
      frame += gap;
    }
    Sway sway = new Sway(swayRegion(width, height), Math.max(3, width / 50.0), 2 * fps);
    return new Script(width, height, fps, frame, seed, random.nextDouble(2, 6), objects, lights, sway);
  }

  private static MovingObject randomObject(SplittableRandom random, int width, int height, int first, int frames) {
    double[][] sizes = {{1 / 40.0, 1 / 15.0}, {1 / 16.0, 1 / 6.0}, {1 / 5.0, 3 / 8.0}};
    double[] speeds = {0.2, 1, width / 60.0, width / 10.0};
    double[] size = sizes[random.nextInt(sizes.length)];
    int w = Math.max(4, (int) (width * size[0]));
    int h = Math.max(4, (int) (height * size[1]));
    double speed = speeds[random.nextInt(speeds.length)] * random.nextDouble(0.8, 1.25);
    double angle = random.nextDouble(-0.4, 0.4) + (random.nextBoolean() ? 0 : Math.PI);
    // Keep below the swaying region (top 35 %) and inside the frame: vertical travel is bounded.
    int top = height * 2 / 5;
    double y = random.nextDouble(top, Math.max(top + 1, height - h));
    double vy = speed * Math.sin(angle);
    if (y + vy * frames < top || y + vy * frames > height - h) {
      vy = 0;
    }
    boolean dark = random.nextBoolean();
    int level = dark ? random.nextInt(15, 50) : random.nextInt(200, 240);
    int rgb = level << 16 | Math.min(255, level + random.nextInt(0, 15)) << 8 | Math.max(0, level - random.nextInt(0, 15));
    return new MovingObject(first, first + frames - 1, w, h, random.nextDouble(0, width - w), y,
        speed * Math.cos(angle), vy, rgb);
  }
}
