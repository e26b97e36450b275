package io.fleet.anomaly;

import io.fleet.CborSerializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.commons.math3.distribution.ChiSquaredDistribution;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;

/**
 * The readings of a sensor's metrics together, against their running mean and covariance (Welford's
 * online algorithm): the squared Mahalanobis distance is anomalous above the chi-squared quantile for
 * {@code 1 − alpha} with as many degrees of freedom as metrics. It sees what per-metric checks cannot:
 * two correlated readings that break their relation while each stays in its usual range. Learns only
 * from normal readings (until an anomaly lasts {@code rebaselineAfter} readings); needs at least two
 * metrics, always the same set (other readings are left to the per-metric detector). Owns its running
 * moments; {@link #state()} is what the device journals, {@link #restore} what it recovers from.
 */
public final class OnlineMahalanobis implements AnomalyDetector {
  public static final String NAME = "mahalanobis";

  private final Settings settings;
  private double threshold;
  private List<String> metrics;
  private long n;
  private double[] mean;
  private double[][] comoment;
  private int anomalousRun;

  public record Settings(int warmup, double alpha, int rebaselineAfter) {
    public static final Settings DEFAULTS = new Settings(60, 1e-5, 360);
  }

  /** The running moments as journaled ({@code comoment} row by row). */
  public record State(List<String> metrics, long n, List<Double> mean, List<Double> comoment, int anomalousRun)
      implements CborSerializable {}

  public OnlineMahalanobis(Settings settings) {
    this.settings = settings;
  }

  /** The first readings with two or more metrics decide which metrics the model has. */
  private void size(List<String> names) {
    metrics = List.copyOf(names);
    threshold = new ChiSquaredDistribution(metrics.size()).inverseCumulativeProbability(1 - settings.alpha());
    mean = new double[metrics.size()];
    comoment = new double[metrics.size()][metrics.size()];
  }

  public static OnlineMahalanobis restore(Settings settings, State state) {
    OnlineMahalanobis d = new OnlineMahalanobis(settings);
    if (state == null || state.metrics() == null || state.metrics().size() < 2) return d;
    d.size(state.metrics());
    int k = d.metrics.size();
    d.n = state.n();
    for (int i = 0; i < k; i++) {
      d.mean[i] = state.mean().get(i);
      for (int j = 0; j < k; j++) d.comoment[i][j] = state.comoment().get(i * k + j);
    }
    d.anomalousRun = state.anomalousRun();
    return d;
  }

  public State state() {
    if (metrics == null) return null;
    List<Double> m = new ArrayList<>();
    List<Double> c = new ArrayList<>();
    for (int i = 0; i < metrics.size(); i++) {
      m.add(mean[i]);
      for (int j = 0; j < metrics.size(); j++) c.add(comoment[i][j]);
    }
    return new State(metrics, n, m, c, anomalousRun);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Verdict observe(Map<String, Double> readings) {
    if (metrics == null) {
      if (readings.size() < 2) return Verdict.normal(NAME, 0);
      size(new ArrayList<>(new TreeSet<>(readings.keySet())));
    }
    if (!readings.keySet().containsAll(metrics)) return Verdict.normal(NAME, 0);
    double[] x = metrics.stream().mapToDouble(readings::get).toArray();
    if (n < settings.warmup()) {
      learn(x);
      return Verdict.normal(NAME, 0);
    }
    int k = metrics.size();
    RealMatrix covariance = new Array2DRowRealMatrix(k, k);
    double trace = 0;
    for (int i = 0; i < k; i++) trace += comoment[i][i] / (n - 1);
    double ridge = 1e-9 + 1e-6 * trace / k;
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) covariance.setEntry(i, j, comoment[i][j] / (n - 1) + (i == j ? ridge : 0));
    }
    RealVector d = new ArrayRealVector(x).subtract(new ArrayRealVector(mean));
    double d2 = d.dotProduct(new LUDecomposition(covariance).getSolver().solve(d));
    if (d2 <= threshold) {
      anomalousRun = 0;
      learn(x);
      return Verdict.normal(NAME, Math.sqrt(d2));
    }
    if (++anomalousRun >= settings.rebaselineAfter()) learn(x);
    Map<String, List<Double>> expected = new LinkedHashMap<>();
    double reach = Math.sqrt(threshold);
    for (int i = 0; i < k; i++) {
      double sd = Math.sqrt(covariance.getEntry(i, i));
      expected.put(metrics.get(i), List.of(mean[i] - reach * sd, mean[i] + reach * sd));
    }
    return new Verdict(true, Math.sqrt(d2), metrics, expected, NAME, String.format(
        "readings of %s together are %.1f standard deviations (Mahalanobis) from their usual relation", metrics, Math.sqrt(d2)));
  }

  private void learn(double[] x) {
    n++;
    double[] delta = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      delta[i] = x[i] - mean[i];
      mean[i] += delta[i] / n;
    }
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < x.length; j++) comoment[i][j] += delta[i] * (x[j] - mean[j]);
    }
  }
}
