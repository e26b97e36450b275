package io.fleet.anomaly;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.tribuo.MutableDataset;
import org.tribuo.anomaly.AnomalyFactory;
import org.tribuo.anomaly.Event;
import org.tribuo.anomaly.libsvm.LibSVMAnomalyModel;
import org.tribuo.anomaly.libsvm.LibSVMAnomalyTrainer;
import org.tribuo.anomaly.libsvm.SVMAnomalyType;
import org.tribuo.common.libsvm.KernelType;
import org.tribuo.common.libsvm.SVMParameters;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * One trained one-class SVM of {@link OneClassSvm}: the Tribuo model and how points are scaled for it.
 * Each metric's deviation is centred on its median in the window and measured in the metric's typical
 * reading-to-reading change (its median motion), so the kernel sees every metric in units of its own
 * noise; its motion enters as {@code 2·ln(motion / typical + 0.01)}, so a stuck metric (motion 0) is as far
 * from normal as a jump.
 * Immutable once trained; lives in memory only (retrained from the window after a restart).
 */
final class SvmBoundary {
  private static final AnomalyFactory EVENTS = new AnomalyFactory();
  private static final double STILL = 0.01;

  static {
    libsvm.svm.svm_set_print_string_function(line -> { }); // LIBSVM prints every training to stdout
  }

  private final List<String> metrics;
  private final String[] names;
  private final double[] centre;
  private final double[] step;
  private final double[] low;
  private final double[] high;
  private final LibSVMAnomalyModel model;
  private final double rho;

  private SvmBoundary(List<String> metrics, double[] centre, double[] step, double[] low, double[] high,
      LibSVMAnomalyModel model) {
    this.metrics = metrics;
    this.names = featureNames(metrics);
    this.centre = centre;
    this.step = step;
    this.low = low;
    this.high = high;
    this.model = model;
    this.rho = model.getInnerModels().get(0).rho[0];
  }

  /** Trains on {@code window}'s points ({@code [deviation₁…deviationₖ, motion₁…motionₖ]}); deterministic. */
  static SvmBoundary train(List<String> metrics, Collection<double[]> window, OneClassSvm.Settings settings) {
    int k = metrics.size();
    double[] centre = new double[k];
    double[] step = new double[k];
    double[] low = new double[k];
    double[] high = new double[k];
    for (int i = 0; i < k; i++) {
      int v = i;
      double[] values = window.stream().mapToDouble(p -> p[v]).toArray();
      centre[i] = median(values);
      step[i] = Math.max(median(window.stream().mapToDouble(p -> p[k + v]).toArray()), 1e-9 + 1e-3 * Math.abs(centre[i]));
      low[i] = Arrays.stream(values).min().orElse(0);
      high[i] = Arrays.stream(values).max().orElse(0);
    }
    String[] names = featureNames(metrics);
    MutableDataset<Event> data = new MutableDataset<>(new SimpleDataSourceProvenance("sensor window", EVENTS), EVENTS);
    for (double[] p : window) data.add(new ArrayExample<>(AnomalyFactory.EXPECTED_EVENT, names, scaled(p, centre, step)));
    SVMParameters<Event> parameters = new SVMParameters<>(new SVMAnomalyType(SVMAnomalyType.SVMMode.ONE_CLASS), KernelType.RBF);
    parameters.setNu(settings.nu());
    parameters.setGamma(settings.gamma());
    LibSVMAnomalyModel model = (LibSVMAnomalyModel) new LibSVMAnomalyTrainer(parameters, 1L).train(data);
    return new SvmBoundary(List.copyOf(metrics), centre, step, low, high, model);
  }

  /** {@code 1 − Σαᵢ·K(xᵢ, x) / ρ}: 0 on the boundary, 1 far from every normal reading, negative inside. */
  double score(double[] point) {
    return scoreScaled(scaled(point, centre, step));
  }

  /**
   * The metrics that alone make {@code point} anomalous: each is put back to its usual value and motion,
   * and named when that brings the score to {@code threshold} or below. When none does alone, it is their
   * combination (a broken relation): all are named.
   */
  List<String> explain(double[] point, double threshold) {
    double[] x = scaled(point, centre, step);
    int k = metrics.size();
    List<String> named = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      double[] usual = x.clone();
      usual[i] = 0;
      usual[k + i] = 2 * Math.log(1 + STILL);
      if (scoreScaled(usual) <= threshold) named.add(metrics.get(i));
    }
    return named.isEmpty() ? metrics : named;
  }

  /** The range of {@code metric}'s deviations in the window the model was trained on. */
  List<Double> range(String metric) {
    int i = metrics.indexOf(metric);
    return List.of(low[i], high[i]);
  }

  private double scoreScaled(double[] x) {
    double decision = model.predict(new ArrayExample<>(AnomalyFactory.UNKNOWN_EVENT, names, x)).getOutput().getScore();
    return rho > 0 ? -decision / rho : -decision;
  }

  private static double[] scaled(double[] p, double[] centre, double[] step) {
    int k = centre.length;
    double[] x = new double[2 * k];
    for (int i = 0; i < k; i++) {
      x[i] = (p[i] - centre[i]) / step[i];
      x[k + i] = 2 * Math.log(p[k + i] / step[i] + STILL);
    }
    return x;
  }

  private static String[] featureNames(List<String> metrics) {
    String[] names = new String[2 * metrics.size()];
    for (int i = 0; i < metrics.size(); i++) {
      names[i] = "value:" + metrics.get(i);
      names[metrics.size() + i] = "motion:" + metrics.get(i);
    }
    return names;
  }

  private static double median(double[] xs) {
    if (xs.length == 0) return 0;
    double[] s = xs.clone();
    Arrays.sort(s);
    int mid = s.length / 2;
    return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  }
}
