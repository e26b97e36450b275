package io.fleet.anomaly;

import io.fleet.CborSerializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * One sensor's detectors, as configured for its device type: readings are anomalous when any detector
 * says so (the verdict names which). Lives in the device actor's memory; {@link #baseline()} is the
 * state the actor journals every so many readings and recovers from, so a restart resumes the model
 * instead of learning from scratch (and re-alerting while it does).
 */
public final class SensorModel {
  private final RobustZScore robust;
  private final OnlineMahalanobis mahalanobis;
  private final OneClassSvm oneClassSvm;

  /** What a device journals of its model; a detector that is not configured has none. */
  public record Baseline(RobustZScore.State robustZ, OnlineMahalanobis.State mahalanobis, OneClassSvm.State oneClassSvm)
      implements CborSerializable {
    /** A baseline of the statistical detectors only. */
    public Baseline(RobustZScore.State robustZ, OnlineMahalanobis.State mahalanobis) {
      this(robustZ, mahalanobis, null);
    }
  }

  private SensorModel(RobustZScore robust, OnlineMahalanobis mahalanobis, OneClassSvm oneClassSvm) {
    this.robust = robust;
    this.mahalanobis = mahalanobis;
    this.oneClassSvm = oneClassSvm;
  }

  public static SensorModel of(List<String> detectors, AnomalySettings settings, Baseline baseline) {
    RobustZScore robust = detectors.contains(RobustZScore.NAME)
        ? RobustZScore.restore(settings.robustZ(), baseline == null ? null : baseline.robustZ()) : null;
    OnlineMahalanobis mahalanobis = detectors.contains(OnlineMahalanobis.NAME)
        ? OnlineMahalanobis.restore(settings.mahalanobis(), baseline == null ? null : baseline.mahalanobis()) : null;
    OneClassSvm oneClassSvm = detectors.contains(OneClassSvm.NAME)
        ? OneClassSvm.restore(settings.oneClassSvm(), baseline == null ? null : baseline.oneClassSvm()) : null;
    return new SensorModel(robust, mahalanobis, oneClassSvm);
  }

  public boolean judges() {
    return robust != null || mahalanobis != null || oneClassSvm != null;
  }

  public Verdict observe(Map<String, Double> readings) {
    List<Verdict> anomalous = new ArrayList<>();
    double score = 0;
    for (AnomalyDetector d : detectors()) {
      Verdict v = d.observe(readings);
      if (v.anomalous()) anomalous.add(v);
      score = Math.max(score, v.score());
    }
    if (anomalous.isEmpty()) return Verdict.normal(names(), score);
    LinkedHashSet<String> metrics = new LinkedHashSet<>();
    Map<String, List<Double>> expected = new LinkedHashMap<>();
    List<String> reasons = new ArrayList<>();
    List<String> by = new ArrayList<>();
    double worst = 0;
    for (Verdict v : anomalous) {
      metrics.addAll(v.metrics());
      v.expected().forEach(expected::putIfAbsent);
      reasons.add(v.reason());
      by.add(v.detector());
      worst = Math.max(worst, v.score());
    }
    return new Verdict(true, worst, List.copyOf(metrics), expected, String.join("+", by), String.join("; ", reasons));
  }

  public Baseline baseline() {
    return new Baseline(robust == null ? null : robust.state(), mahalanobis == null ? null : mahalanobis.state(),
        oneClassSvm == null ? null : oneClassSvm.state());
  }

  private List<AnomalyDetector> detectors() {
    List<AnomalyDetector> all = new ArrayList<>();
    if (robust != null) all.add(robust);
    if (mahalanobis != null) all.add(mahalanobis);
    if (oneClassSvm != null) all.add(oneClassSvm);
    return all;
  }

  private String names() {
    return String.join("+", detectors().stream().map(AnomalyDetector::name).toList());
  }
}
