package io.fleet.anomaly;

import com.typesafe.config.Config;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code fleet.anomaly} settings: which detectors judge each device type's telemetry, how often a
 * device journals its model (every {@code baselineSaveEvery} readings), and each detector's parameters.
 * The learned detector ({@code one-class-svm}) is selected per device type like the statistical ones.
 */
public record AnomalySettings(
    Map<String, List<String>> detectorsByType,
    int baselineSaveEvery,
    RobustZScore.Settings robustZ,
    OnlineMahalanobis.Settings mahalanobis,
    OneClassSvm.Settings oneClassSvm) {

  public static final List<String> KNOWN = List.of(RobustZScore.NAME, OnlineMahalanobis.NAME, OneClassSvm.NAME);

  public AnomalySettings {
    detectorsByType = Map.copyOf(detectorsByType);
    detectorsByType.forEach((type, names) -> names.forEach(name -> {
      if (!KNOWN.contains(name)) {
        throw new IllegalArgumentException("fleet.anomaly.detectors." + type + ": unknown detector '" + name + "', known: " + KNOWN);
      }
    }));
    if (baselineSaveEvery < 1) throw new IllegalArgumentException("fleet.anomaly.baseline-save-every must be at least 1");
    if (oneClassSvm == null) oneClassSvm = OneClassSvm.Settings.DEFAULTS;
  }

  /** Without the learned detector's settings: its defaults. */
  public AnomalySettings(Map<String, List<String>> detectorsByType, int baselineSaveEvery, RobustZScore.Settings robustZ,
      OnlineMahalanobis.Settings mahalanobis) {
    this(detectorsByType, baselineSaveEvery, robustZ, mahalanobis, OneClassSvm.Settings.DEFAULTS);
  }

  public static AnomalySettings fromConfig(Config fleet) {
    Config a = fleet.getConfig("anomaly");
    Map<String, List<String>> byType = new HashMap<>();
    a.getConfig("detectors").root().keySet().forEach(type -> byType.put(type, a.getStringList("detectors." + type)));
    Config z = a.getConfig("robust-z");
    Config m = a.getConfig("mahalanobis");
    Config svm = a.getConfig("one-class-svm");
    return new AnomalySettings(byType, a.getInt("baseline-save-every"),
        new RobustZScore.Settings(z.getInt("window"), z.getInt("warmup"), z.getDouble("threshold"),
            z.getInt("stuck-after"), z.getInt("rebaseline-after")),
        new OnlineMahalanobis.Settings(m.getInt("warmup"), m.getDouble("alpha"), m.getInt("rebaseline-after")),
        new OneClassSvm.Settings(svm.getInt("window"), svm.getInt("stride"), svm.getInt("warmup"), svm.getInt("retrain-every"),
            svm.getInt("motion-over"), svm.getInt("level-over"), svm.getDouble("nu"), svm.getDouble("gamma"), svm.getDouble("learn-below"),
            svm.getDouble("threshold"),
            svm.getInt("rebaseline-after")));
  }

  public List<String> detectorsFor(String deviceType) {
    return detectorsByType.getOrDefault(deviceType, List.of());
  }
}
