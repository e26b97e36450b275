package io.fleet.anomaly;

import io.fleet.CborSerializable;
import java.util.List;
import java.util.Map;

/**
 * What a detector says of one set of readings: whether it is anomalous, how strongly ({@code score}, in
 * the detector's own unit: robust z or Mahalanobis distance), which metrics, the range each was expected
 * in ({@code [low, high]}), and why in words. Immutable.
 */
public record Verdict(boolean anomalous, double score, List<String> metrics, Map<String, List<Double>> expected,
    String detector, String reason) implements CborSerializable {

  public Verdict {
    metrics = metrics == null ? List.of() : List.copyOf(metrics);
    expected = expected == null ? Map.of() : Map.copyOf(expected);
  }

  static Verdict normal(String detector, double score) {
    return new Verdict(false, score, List.of(), Map.of(), detector, null);
  }
}
