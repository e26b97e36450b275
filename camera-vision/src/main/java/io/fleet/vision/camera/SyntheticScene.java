package io.fleet.vision.camera;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A generated camera scene with known truth, for testing and benchmarking motion detection: a textured static
 * background, objects of several sizes and speeds that appear, move (bouncing off the frame's edges) and leave,
 * Gaussian sensor noise, sudden global light changes, and a swaying region (a tree in the wind) whose texture
 * moves back and forth. {@link #groundTruth()} says when real motion happens: while some object is in view.
 * Swaying and light changes are not motion.
 *
 * <p>Owns the pre-rendered background and sway textures, a table of noise samples, and the position in the
 * script. Deterministic for a given script (seed included).
 */
public final class SyntheticScene implements FrameSource {

  /**
   * An object in view from {@code firstFrame} to {@code lastFrame}, inclusive, starting with its top-left corner at
   * ({@code x}, {@code y}) and moving {@code vx}, {@code vy} pixels per frame.
   */
  public record MovingObject(int firstFrame, int lastFrame, int width, int height, double x, double y,
      double vx, double vy, int rgb) {}

  /** From {@code frame} on, every pixel value becomes {@code value * gain + offset} (until the next change). */
  public record LightChange(int frame, double gain, int offset) {}

  /** A region whose texture shifts horizontally by {@code amplitude * sin(2 pi frame / periodFrames)}. */
  public record Sway(Region region, double amplitude, double periodFrames) {}

  /** A span of frames, inclusive, during which something really moves. */
  public record Episode(int firstFrame, int lastFrame) {
    public boolean contains(long frame) {
      return frame >= firstFrame && frame <= lastFrame;
    }
  }

  /** Everything a scene shows; {@code sway} may be null. */
  public record Script(int width, int height, double fps, int frames, long seed, double noiseSigma,
      List<MovingObject> objects, List<LightChange> lightChanges, Sway sway) {
    public Script {
      objects = List.copyOf(objects);
      lightChanges = lightChanges.stream().sorted(Comparator.comparingInt(LightChange::frame)).toList();
    }
  }

  private static final int NOISE_SAMPLES = 1 << 16;

  private final Script script;
  private final int[] background;
  private final int[] swayTexture;
  private final int[] noise;
  private final SplittableRandom random;
  private int position;

  public SyntheticScene(Script script) {
    this.script = Objects.requireNonNull(script, "script");
    this.random = new SplittableRandom(script.seed());
    this.background = texture(script.width(), script.height(), random, 90, 150, 24);
    this.swayTexture = script.sway() == null ? new int[0]
        : texture(script.sway().region().width(), script.sway().region().height(), random, 30, 200, 3);
    this.noise = new int[NOISE_SAMPLES];
    for (int i = 0; i < NOISE_SAMPLES; i++) {
      noise[i] = (int) Math.round(random.nextGaussian() * script.noiseSigma());
    }
  }

  public Script script() {
    return script;
  }

  /** The episodes of real motion, in order, overlapping object appearances merged. */
  public List<Episode> groundTruth() {
    List<MovingObject> byStart = script.objects().stream()
        .sorted(Comparator.comparingInt(MovingObject::firstFrame)).toList();
    List<Episode> episodes = new ArrayList<>();
    for (MovingObject object : byStart) {
      Episode last = episodes.isEmpty() ? null : episodes.get(episodes.size() - 1);
      if (last != null && object.firstFrame() <= last.lastFrame() + 1) {
        episodes.set(episodes.size() - 1,
            new Episode(last.firstFrame(), Math.max(last.lastFrame(), object.lastFrame())));
      } else {
        episodes.add(new Episode(object.firstFrame(), object.lastFrame()));
      }
    }
    return List.copyOf(episodes);
  }

  @Override
  public Optional<Frame> next() {
    if (position >= script.frames()) {
      return Optional.empty();
    }
    int index = position++;
    return Optional.of(render(index));
  }

  @Override
  public void close() {
    position = script.frames();
  }

  private Frame render(int index) {
    int width = script.width();
    int height = script.height();
    int[] rgb = background.clone();
    Sway sway = script.sway();
    if (sway != null) {
      drawSway(rgb, sway, index);
    }
    for (MovingObject object : script.objects()) {
      if (index >= object.firstFrame() && index <= object.lastFrame()) {
        drawObject(rgb, object, index - object.firstFrame());
      }
    }
    LightChange light = lightAt(index);
    double gain = light == null ? 1 : light.gain();
    int offset = light == null ? 0 : light.offset();
    int n = random.nextInt(NOISE_SAMPLES);
    int step = 1 + 2 * random.nextInt(1 << 10); // odd: walks the whole table
    for (int i = 0; i < rgb.length; i++) {
      int shift = noise[n] + offset;
      n = (n + step) & (NOISE_SAMPLES - 1);
      int p = rgb[i];
      rgb[i] = channel((p >> 16) & 0xFF, gain, shift) << 16 | channel((p >> 8) & 0xFF, gain, shift) << 8
          | channel(p & 0xFF, gain, shift);
    }
    return new Frame(index, Math.round(index * 1000 / script.fps()), width, height, rgb);
  }

  private LightChange lightAt(int index) {
    LightChange current = null;
    for (LightChange change : script.lightChanges()) {
      if (change.frame() <= index) {
        current = change;
      }
    }
    return current;
  }

  private void drawSway(int[] rgb, Sway sway, int index) {
    Region r = sway.region();
    int shift = (int) Math.round(sway.amplitude() * Math.sin(2 * Math.PI * index / sway.periodFrames()));
    for (int y = r.y(); y < Math.min(r.y() + r.height(), script.height()); y++) {
      for (int x = r.x(); x < Math.min(r.x() + r.width(), script.width()); x++) {
        int tx = Math.floorMod(x - r.x() + shift, r.width());
        rgb[y * script.width() + x] = swayTexture[(y - r.y()) * r.width() + tx];
      }
    }
  }

  private void drawObject(int[] rgb, MovingObject object, int age) {
    int width = script.width();
    int height = script.height();
    int left = bounce(object.x() + object.vx() * age, width - object.width());
    int top = bounce(object.y() + object.vy() * age, height - object.height());
    for (int y = top; y < top + object.height(); y++) {
      for (int x = left; x < left + object.width(); x++) {
        rgb[y * width + x] = object.rgb();
      }
    }
  }

  /** A position moving freely, reflected back into [0, limit]. */
  private static int bounce(double position, int limit) {
    if (limit <= 0) {
      return 0;
    }
    double folded = Math.abs(position) % (2.0 * limit);
    return (int) Math.round(folded <= limit ? folded : 2.0 * limit - folded);
  }

  private static int channel(int value, double gain, int shift) {
    int v = (int) (value * gain) + shift;
    return v < 0 ? 0 : Math.min(v, 255);
  }

  /** Smooth blotches of colour around a base level: cells of {@code cell} pixels, bilinearly blended. */
  private static int[] texture(int width, int height, SplittableRandom random, int low, int high, int cell) {
    int cols = width / cell + 2;
    int rows = height / cell + 2;
    int[][] grid = new int[rows * cols][3];
    for (int[] knot : grid) {
      int level = low + random.nextInt(high - low);
      for (int c = 0; c < 3; c++) {
        knot[c] = Math.max(0, Math.min(255, level + random.nextInt(-12, 13)));
      }
    }
    int[] pixels = new int[width * height];
    for (int y = 0; y < height; y++) {
      int gy = y / cell;
      double fy = (y % cell) / (double) cell;
      for (int x = 0; x < width; x++) {
        int gx = x / cell;
        double fx = (x % cell) / (double) cell;
        int p = 0;
        for (int c = 0; c < 3; c++) {
          double top = grid[gy * cols + gx][c] * (1 - fx) + grid[gy * cols + gx + 1][c] * fx;
          double bottom = grid[(gy + 1) * cols + gx][c] * (1 - fx) + grid[(gy + 1) * cols + gx + 1][c] * fx;
          p = p << 8 | (int) (top * (1 - fy) + bottom * fy);
        }
        pixels[y * width + x] = p;
      }
    }
    return pixels;
  }
}
