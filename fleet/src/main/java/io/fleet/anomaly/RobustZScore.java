package io.fleet.anomaly;

import io.fleet.CborSerializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per metric, a robust z-score against a sliding window of recent normal values: {@code |x − median| /
 * (1.4826 · MAD)}, anomalous above {@code threshold}. Anomalous values do not enter the window, so a
 * drift keeps being anomalous instead of becoming the norm — until it lasts {@code rebaselineAfter}
 * readings, when the new level is accepted. A value repeated {@code stuckAfter} times by a metric that
 * used to vary is anomalous too (a stuck sensor). Owns its windows; {@link #state()} is what the device
 * journals to survive a restart, {@link #restore} what it recovers from.
 */
public final class RobustZScore implements AnomalyDetector {
  public static final String NAME = "robust-z";
  private static final double MAD_TO_SIGMA = 1.4826;

  private final Settings settings;
  private final Map<String, ArrayListWindow> windows = new HashMap<>();

  /** Window size, readings before judging, threshold, stuck run, and when a long anomaly becomes the norm. */
  public record Settings(int window, int warmup, double threshold, int stuckAfter, int rebaselineAfter) {
    public static final Settings DEFAULTS = new Settings(120, 30, 6.0, 20, 360);
  }

  /** The windows as journaled: per metric its recent normal values, last value, repeat and anomaly runs. */
  public record State(Map<String, MetricState> metrics) implements CborSerializable {
    public State {
      metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }
  }

  public record MetricState(List<Double> window, Double last, int repeats, int anomalousRun) implements CborSerializable {
    public MetricState {
      window = window == null ? List.of() : List.copyOf(window);
    }
  }

  public RobustZScore(Settings settings) {
    this.settings = settings;
  }

  public static RobustZScore restore(Settings settings, State state) {
    RobustZScore detector = new RobustZScore(settings);
    if (state != null) state.metrics().forEach((metric, s) -> detector.windows.put(metric, ArrayListWindow.of(s)));
    return detector;
  }

  public State state() {
    Map<String, MetricState> out = new LinkedHashMap<>();
    windows.forEach((metric, w) -> out.put(metric, w.state()));
    return new State(out);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict observe(Map<String, Double> readings) {
    double score = 0;
    List<String> anomalous = new ArrayList<>();
    Map<String, List<Double>> expected = new LinkedHashMap<>();
    List<String> reasons = new ArrayList<>();
    for (Map.Entry<String, Double> reading : readings.entrySet()) {
      String metric = reading.getKey();
      double x = reading.getValue();
      ArrayListWindow w = windows.computeIfAbsent(metric, m -> new ArrayListWindow());
      boolean wasVarying = w.values.size() >= settings.warmup() && w.mad() > 0;
      w.repeats = w.last != null && w.last == x ? w.repeats + 1 : 0;
      w.last = x;
      if (w.values.size() < settings.warmup()) {
        w.add(x, settings.window());
        continue;
      }
      double median = w.median();
      double sigma = Math.max(MAD_TO_SIGMA * w.mad(), 1e-9 + 1e-3 * Math.abs(median));
      double z = Math.abs(x - median) / sigma;
      score = Math.max(score, z);
      boolean stuck = wasVarying && w.repeats >= settings.stuckAfter();
      if (z > settings.threshold() || stuck) {
        anomalous.add(metric);
        expected.put(metric, List.of(median - settings.threshold() * sigma, median + settings.threshold() * sigma));
        reasons.add(stuck ? metric + " stuck at " + x + " for " + (w.repeats + 1) + " readings"
            : String.format("%s %.3f is %.1f robust standard deviations from %.3f", metric, x, z, median));
        // A long anomaly is the new normal (a sensor was moved): learn it after all.
        if (++w.anomalousRun >= settings.rebaselineAfter()) w.add(x, settings.window());
      } else {
        w.anomalousRun = 0;
        w.add(x, settings.window());
      }
    }
    if (anomalous.isEmpty()) return Verdict.normal(NAME, score);
    return new Verdict(true, score, anomalous, expected, NAME, String.join("; ", reasons));
  }

  /** One metric's recent normal values (oldest first), its last value and runs. */
  private static final class ArrayListWindow {
    final ArrayList<Double> values = new ArrayList<>();
    Double last;
    int repeats;
    int anomalousRun;

    static ArrayListWindow of(MetricState s) {
      ArrayListWindow w = new ArrayListWindow();
      w.values.addAll(s.window());
      w.last = s.last();
      w.repeats = s.repeats();
      w.anomalousRun = s.anomalousRun();
      return w;
    }

    void add(double x, int max) {
      values.add(x);
      if (values.size() > max) values.remove(0);
    }

    double median() {
      return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    double mad() {
      double m = median();
      return median(values.stream().mapToDouble(v -> Math.abs(v - m)).toArray());
    }

    MetricState state() {
      return new MetricState(values, last, repeats, anomalousRun);
    }

    private static double median(double[] xs) {
      if (xs.length == 0) return 0;
      Arrays.sort(xs);
      int mid = xs.length / 2;
      return xs.length % 2 == 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
    }
  }
}
