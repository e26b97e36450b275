package io.fleet.anomaly;

import io.fleet.CborSerializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A learned model of a sensor's normal behaviour: a one-class SVM (Tribuo's LIBSVM trainer, RBF kernel)
 * trained on a bounded window of the sensor's recent normal readings and retrained every
 * {@code retrainEvery} readings. Each reading is described per metric by its deviation from the metric's
 * level (the moving average of its normal values over about {@code levelOver} readings) and its motion
 * (the mean absolute change over the last {@code motionOver} readings), so the model learns how the
 * metrics usually move about their level, together: a spike, a drift or a jump (a correlation break) of
 * one metric and a stuck value all fall outside it, while a slow daily cycle carries the level along.
 * Absolute values would not do: a model of them alarms at every level the sensor has not shown yet
 * (the first cold night) and then, learning only from normal readings, never learns it. The metrics are
 * those of the sensor's first reading; readings without all of them, or with a value that is not a
 * finite number, are left to the other detectors (neither judged nor learned).
 *
 * <p>The window keeps every normal reading until it holds {@code window} of them, then thins itself to
 * every other one and keeps every second reading, and so on up to every {@code stride}-th: it covers the
 * sensor's history evenly, at most the last {@code window × stride} readings (180 × 8, a day at one a
 * minute). Anomalous readings stay out of it and out of the level, so a drift stays anomalous — until it
 * lasts {@code rebaselineAfter} readings, when the new level is learned; so do normal readings that lie
 * well outside the boundary (score above {@code learnBelow}). Silent until the window holds
 * {@code warmup} readings. A training takes about 0.1 ms on the bounded window, every
 * {@code retrainEvery} readings, in the caller's thread; scoring, a kernel sum over the support vectors,
 * about 2 µs (BENCHMARKS.md).
 *
 * <p>The score is how far a reading is outside the learned region: {@code 1 − Σαᵢ·K(xᵢ, x) / ρ}, 0 on the
 * SVM's boundary, 1 far from every normal reading; anomalous above {@code threshold}. The expected range
 * of a metric is its level plus the deviations the model was trained on. Owns its window, levels, last
 * readings (for motion) and counters; {@link #state()} is what the device journals (at most {@code window}
 * rows of two single-precision numbers per metric: about 6 KB for three metrics). The trained model is not
 * journaled: {@link #restore} retrains it from the window, so a restored detector judges at once instead
 * of learning from scratch, and from its next retraining on with the very model the original has
 * (training is deterministic); until then its model also knows the few readings the original had not yet
 * trained on.
 */
public final class OneClassSvm implements AnomalyDetector {
  public static final String NAME = "one-class-svm";

  private final Settings settings;
  private List<String> metrics;
  /** Normal readings as {@code [deviation₁…deviationₖ, motion₁…motionₖ]}, oldest first. */
  private final ArrayDeque<double[]> window = new ArrayDeque<>();
  /** The last {@code motionOver + 1} readings' values, oldest first. */
  private final ArrayDeque<double[]> recent = new ArrayDeque<>();
  /** Each metric's level: the exponential moving average of its normal values over {@code levelOver}. */
  private double[] level;
  /** The window keeps every {@code stride}-th normal reading; {@code sinceKept} counts towards the next. */
  private int stride = 1;
  private int sinceKept;
  private int sinceTrained;
  private boolean windowChanged;
  private int anomalousRun;
  private SvmBoundary boundary;

  /**
   * Window size, its largest stride, readings before the first training, retraining period, readings the
   * motion and the level are averaged over, the SVM's {@code nu} (share of the window allowed outside the
   * boundary) and {@code gamma} (RBF kernel width, in the detector's scaled units), the score up to which a
   * reading is learned and above which it is anomalous, and when a long anomaly becomes the norm.
   */
  public record Settings(int window, int stride, int warmup, int retrainEvery, int motionOver, int levelOver, double nu,
      double gamma, double learnBelow, double threshold, int rebaselineAfter) {
    public static final Settings DEFAULTS = new Settings(180, 8, 120, 10, 10, 30, 0.02, 0.07, 0.5, 0.65, 360);

    public Settings {
      if (window < 10 || warmup < 10 || warmup > window) {
        throw new IllegalArgumentException("one-class-svm: window and warmup must be at least 10, warmup at most window");
      }
      if (stride < 1 || retrainEvery < 1 || motionOver < 1 || levelOver < 1 || rebaselineAfter < 1) {
        throw new IllegalArgumentException(
            "one-class-svm: stride, retrain-every, motion-over, level-over and rebaseline-after must be at least 1");
      }
      if (!(nu > 0 && nu < 1) || !(gamma > 0) || !(threshold > 0 && threshold < 1)) {
        throw new IllegalArgumentException("one-class-svm: nu and threshold must be in (0, 1), gamma positive");
      }
      if (!(learnBelow <= threshold)) {
        throw new IllegalArgumentException("one-class-svm: learn-below must be at most the threshold");
      }
    }
  }

  /** The window, the last readings (both row by row, flattened) and the counters, as journaled. */
  public record State(List<String> metrics, List<Float> window, List<Double> recent, List<Double> level, int stride,
      int sinceKept, int sinceTrained, boolean windowChanged, int anomalousRun) implements CborSerializable {
    public State {
      window = window == null ? List.of() : List.copyOf(window);
      recent = recent == null ? List.of() : List.copyOf(recent);
      level = level == null ? List.of() : List.copyOf(level);
    }
  }

  public OneClassSvm(Settings settings) {
    this.settings = settings;
  }

  public static OneClassSvm restore(Settings settings, State state) {
    OneClassSvm d = new OneClassSvm(settings);
    if (state == null || state.metrics() == null || state.metrics().isEmpty()) return d;
    d.metrics = List.copyOf(state.metrics());
    int k = d.metrics.size();
    rows(state.window(), 2 * k).forEach(d.window::add);
    rows(state.recent(), k).forEach(d.recent::add);
    if (state.level().size() == k) d.level = state.level().stream().mapToDouble(Double::doubleValue).toArray();
    d.stride = Math.max(1, state.stride());
    d.sinceKept = state.sinceKept();
    d.sinceTrained = state.sinceTrained();
    d.windowChanged = state.windowChanged();
    d.anomalousRun = state.anomalousRun();
    // Settings may have shrunk since the state was journaled.
    while (d.window.size() > settings.window()) d.window.removeFirst();
    while (d.recent.size() > settings.motionOver() + 1) d.recent.removeFirst();
    if (d.warm()) d.boundary = SvmBoundary.train(d.metrics, d.window, settings);
    return d;
  }

  public State state() {
    if (metrics == null) return null;
    return new State(metrics, flatFloats(window), flat(recent), level == null ? List.of() : Arrays.stream(level).boxed().toList(),
        stride, sinceKept, sinceTrained, windowChanged, anomalousRun);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict observe(Map<String, Double> readings) {
    if (metrics == null) {
      if (readings.isEmpty()) return Verdict.normal(NAME, 0);
      metrics = List.copyOf(new TreeSet<>(readings.keySet()));
    }
    if (!readings.keySet().containsAll(metrics)) return Verdict.normal(NAME, 0);
    double[] values = metrics.stream().mapToDouble(readings::get).toArray();
    if (!Arrays.stream(values).allMatch(Double::isFinite)) return Verdict.normal(NAME, 0);
    recent.addLast(values);
    if (recent.size() > settings.motionOver() + 1) recent.removeFirst();
    double[] point = point(values);
    if (++sinceTrained >= settings.retrainEvery() && windowChanged && warm()) train();
    if (boundary == null) {
      learn(values, point);
      if (warm()) train();
      return Verdict.normal(NAME, 0);
    }
    double score = boundary.score(point);
    if (score <= settings.threshold()) {
      anomalousRun = 0;
      // Readings between learnBelow and the threshold are not anomalies, but learning them would let the
      // boundary creep outward with the start of every slow drift (and learning only what lies inside the
      // boundary, score 0, would shrink it with every retraining).
      if (score <= settings.learnBelow()) learn(values, point);
      return Verdict.normal(NAME, score);
    }
    // A long anomaly is the new normal (a sensor was moved): learn it after all.
    if (++anomalousRun >= settings.rebaselineAfter()) learn(values, point);
    List<String> named = boundary.explain(point, settings.threshold());
    Map<String, List<Double>> expected = new LinkedHashMap<>();
    for (String m : named) {
      int i = metrics.indexOf(m);
      List<Double> deviations = boundary.range(m);
      expected.put(m, List.of(level[i] + deviations.get(0), level[i] + deviations.get(1)));
    }
    return new Verdict(true, score, named, expected, NAME, String.format(
        "readings of %s are outside the one-class SVM's learned normal region (score %.2f, 0 = on its boundary, 1 = far from every normal reading)",
        named, score));
  }

  /**
   * Each value's deviation from its metric's level, and its motion: the mean absolute change over the
   * recent readings (0 before there are two).
   */
  private double[] point(double[] values) {
    int k = values.length;
    if (level == null) level = values.clone();
    double[] p = new double[2 * k];
    for (int i = 0; i < k; i++) p[i] = values[i] - level[i];
    if (recent.size() < 2) return p;
    double[] previous = null;
    for (double[] r : recent) {
      if (previous != null) for (int i = 0; i < k; i++) p[k + i] += Math.abs(r[i] - previous[i]);
      previous = r;
    }
    for (int i = 0; i < k; i++) p[k + i] /= recent.size() - 1;
    return p;
  }

  /**
   * Keeps every {@code stride}-th normal reading. A full window is thinned to every other point and the
   * stride doubled, until it reaches {@code settings.stride()}; from then on the oldest point leaves. So
   * the window always covers the sensor's history evenly: from its start, later the last
   * {@code window × stride} readings.
   */
  private void learn(double[] values, double[] point) {
    double alpha = 2.0 / (settings.levelOver() + 1);
    for (int i = 0; i < values.length; i++) level[i] += alpha * (values[i] - level[i]);
    if (recent.size() <= settings.motionOver()) return; // its motion is not measured yet
    if (++sinceKept < stride) return;
    sinceKept = 0;
    // Single precision is plenty for noise-scale features and halves the journaled window.
    for (int i = 0; i < point.length; i++) point[i] = (float) point[i];
    window.addLast(point);
    windowChanged = true;
    if (window.size() <= settings.window()) return;
    if (stride < settings.stride()) {
      List<double[]> all = new ArrayList<>(window);
      window.clear();
      for (int i = all.size() - 1; i >= 0; i -= 2) window.addFirst(all.get(i));
      stride = Math.min(2 * stride, settings.stride());
    } else {
      window.removeFirst();
    }
  }

  /** Enough learned to judge: {@code warmup} readings, or a window that was full once (thinning halves it). */
  private boolean warm() {
    return window.size() >= settings.warmup() || stride > 1;
  }

  private void train() {
    boundary = SvmBoundary.train(metrics, window, settings);
    sinceTrained = 0;
    windowChanged = false;
  }

  private static List<Double> flat(Collection<double[]> rows) {
    List<Double> out = new ArrayList<>();
    rows.forEach(r -> Arrays.stream(r).forEach(out::add));
    return out;
  }

  private static List<Float> flatFloats(Collection<double[]> rows) {
    List<Float> out = new ArrayList<>();
    rows.forEach(r -> Arrays.stream(r).forEach(x -> out.add((float) x)));
    return out;
  }

  private static List<double[]> rows(List<? extends Number> flat, int width) {
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i + width <= flat.size(); i += width) {
      out.add(flat.subList(i, i + width).stream().mapToDouble(Number::doubleValue).toArray());
    }
    return out;
  }
}
