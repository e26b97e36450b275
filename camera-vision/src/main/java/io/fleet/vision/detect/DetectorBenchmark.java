package io.fleet.vision.detect;

import io.fleet.vision.camera.Frame;
import io.fleet.vision.camera.SceneScripts;
import io.fleet.vision.camera.SyntheticScene;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Detector throughput on one thread, next to raw baselines over the same frames in the same run (see
 * BENCHMARKS.md): a copy of each frame's pixels, and a plain full-resolution grayscale conversion. Frames are
 * pre-rendered from a labelled synthetic scene (640×480 by default: moving objects, noise, light changes, a swaying
 * tree), so only the work under test is timed. After an unmeasured warm-up round of every pass, the passes take
 * turns round by round (so a busy machine slows them alike); each figure is the median over rounds, and each ratio
 * the median of the per-round ratios.
 *
 * <pre>java -cp device-agent/target/classes io.fleet.vision.detect.DetectorBenchmark [width height frames rounds]</pre>
 */
public final class DetectorBenchmark {

  private static final String BASELINE = "baseline: grayscale, full size";

  private DetectorBenchmark() {}

  public static void main(String[] args) {
    int width = args.length > 0 ? Integer.parseInt(args[0]) : 640;
    int height = args.length > 1 ? Integer.parseInt(args[1]) : 480;
    int count = args.length > 2 ? Integer.parseInt(args[2]) : 500;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 9;
    List<Frame> frames = render(width, height, count);
    System.out.printf(Locale.ROOT, "%d frames of %dx%d, %d rounds, medians; one thread; Java %s%n",
        frames.size(), width, height, rounds, Runtime.version());

    Map<String, Consumer<Frame>> passes = new LinkedHashMap<>();
    int[] copy = new int[width * height];
    passes.put("baseline: copy pixels (memcpy)", f -> System.arraycopy(f.rgb(), 0, copy, 0, copy.length));
    byte[] gray = new byte[width * height];
    passes.put(BASELINE, f -> Grayscale.downscale(f.rgb(), width, height, 1, gray));
    for (int downscale : new int[] {2, 1}) {
      DetectorSettings settings = DetectorSettings.defaults().withDownscale(downscale)
          .withIgnore(List.of(SceneScripts.swayRegion(width, height)));
      MotionDetector[] detector = new MotionDetector[1];
      passes.put("detector, downscale " + downscale + (downscale == 2 ? " (default)" : ""), f -> {
        if (f.index() == 0) {
          detector[0] = new MotionDetector(settings, width, height); // each round sees the scene anew
        }
        detector[0].detect(f);
      });
    }

    passes.values().forEach(pass -> runRound(frames, pass));
    Map<String, double[]> fps = new LinkedHashMap<>();
    passes.keySet().forEach(name -> fps.put(name, new double[rounds]));
    for (int r = 0; r < rounds; r++) {
      for (Map.Entry<String, Consumer<Frame>> pass : passes.entrySet()) {
        fps.get(pass.getKey())[r] = frames.size() / (runRound(frames, pass.getValue()) / 1e9);
      }
    }
    double[] baseline = fps.get(BASELINE);
    fps.forEach((name, perRound) -> {
      double[] ratios = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratios[r] = perRound[r] / baseline[r];
      }
      double median = median(perRound);
      System.out.printf(Locale.ROOT, "%-32s %7.0f frames/s %6.1fx real time at 25 fps   ratio to grayscale %.2f%n",
          name, median, median / 25, median(ratios));
    });
  }

  private static List<Frame> render(int width, int height, int count) {
    SyntheticScene scene = new SyntheticScene(SceneScripts.labelled(42, width, height, 25, 4));
    List<Frame> frames = new ArrayList<>();
    for (Optional<Frame> frame = scene.next(); frame.isPresent() && frames.size() < count; frame = scene.next()) {
      frames.add(frame.get());
    }
    return frames;
  }

  private static long runRound(List<Frame> frames, Consumer<Frame> pass) {
    long start = System.nanoTime();
    for (Frame frame : frames) {
      pass.accept(frame);
    }
    return System.nanoTime() - start;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
