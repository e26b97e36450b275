package io.fleet.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.fleet.agent.sim.sensor.SensorSignal.AnomalyType;
import io.fleet.agent.sim.sensor.SensorSignal.Injected;
import io.fleet.agent.sim.sensor.SensorSignal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Event-level precision and recall of the anomaly detectors (the statistical ones and the learned
 * one-class SVM), with the shipped settings, on simulated
 * sensors (the simulator's {@link SensorSignal}: daily cycle, noise, correlated humidity) with injected
 * spikes, drifts, stuck values and correlation breaks of known extent. Consecutive anomalous readings
 * (gaps up to {@value #GAP}) form one detected event; it is right when it overlaps an injected anomaly
 * (or the {@value #LATE} readings after it). The bars are in BENCHMARKS.md with their reasons.
 */
class AnomalyDetectionQualityTest {
  static final int GAP = 10;
  static final int LATE = 30;
  static final int SENSORS = 6;
  static final int LENGTH = 3 * 1440;

  record Score(int detected, int rightDetections, Map<AnomalyType, int[]> recallByType) {
    double precision() {
      return detected == 0 ? 1 : (double) rightDetections / detected;
    }

    double recall(AnomalyType type) {
      int[] r = recallByType.get(type);
      return (double) r[0] / r[1];
    }

    double recall() {
      int found = 0;
      int all = 0;
      for (int[] r : recallByType.values()) {
        found += r[0];
        all += r[1];
      }
      return (double) found / all;
    }
  }

  @Test
  void robustZCatchesSpikesAndStuckValuesAndMostDrifts() {
    Score s = evaluate(List.of(RobustZScore.NAME));
    report("robust-z", s);
    assertThat(s.precision()).isGreaterThanOrEqualTo(0.9);
    assertThat(s.recall(AnomalyType.SPIKE)).isGreaterThanOrEqualTo(0.9);
    assertThat(s.recall(AnomalyType.STUCK)).isGreaterThanOrEqualTo(0.9);
    // A slow drift stays within 6 robust deviations of a window that holds part of the daily cycle for
    // a while; the Mahalanobis detector sees it break the humidity relation (the combined bar is 0.95).
    assertThat(s.recall(AnomalyType.DRIFT)).isGreaterThanOrEqualTo(0.75);
  }

  @Test
  void mahalanobisCatchesSpikesDriftsAndCorrelationBreaks() {
    Score s = evaluate(List.of(OnlineMahalanobis.NAME));
    report("mahalanobis", s);
    assertThat(s.precision()).isGreaterThanOrEqualTo(0.9);
    for (AnomalyType t : List.of(AnomalyType.SPIKE, AnomalyType.DRIFT, AnomalyType.CORRELATION_BREAK)) {
      assertThat(s.recall(t)).as("recall of %s", t).isGreaterThanOrEqualTo(0.9);
    }
  }

  @Test
  void bothTogetherCatchEveryKindWithFewFalseAlarms() {
    Score s = evaluate(List.of(RobustZScore.NAME, OnlineMahalanobis.NAME));
    report("robust-z+mahalanobis", s);
    assertThat(s.precision()).isGreaterThanOrEqualTo(0.9);
    assertThat(s.recall()).isGreaterThanOrEqualTo(0.95);
  }

  @Test
  void theLearnedOneClassSvmAloneCatchesEveryKindWithFewFalseAlarms() {
    Score s = evaluate(List.of(OneClassSvm.NAME));
    report("one-class-svm", s);
    assertThat(s.precision()).isGreaterThanOrEqualTo(0.9);
    assertThat(s.recall()).isGreaterThanOrEqualTo(0.95);
    for (AnomalyType t : AnomalyType.values()) {
      assertThat(s.recall(t)).as("recall of %s", t).isGreaterThanOrEqualTo(0.9);
    }
  }

  @Test
  void allThreeTogetherKeepFewFalseAlarms() {
    Score s = evaluate(List.of(RobustZScore.NAME, OnlineMahalanobis.NAME, OneClassSvm.NAME));
    report("all three", s);
    assertThat(s.precision()).isGreaterThanOrEqualTo(0.9);
    assertThat(s.recall()).isGreaterThanOrEqualTo(0.95);
  }

  private static Score evaluate(List<String> detectors) {
    AnomalySettings settings = AnomalySettings.fromConfig(ConfigFactory.load().getConfig("fleet"));
    int detected = 0;
    int right = 0;
    Map<AnomalyType, int[]> byType = new EnumMap<>(AnomalyType.class);
    for (AnomalyType t : AnomalyType.values()) byType.put(t, new int[2]);
    for (int sensor = 0; sensor < SENSORS; sensor++) {
      List<Injected> truth = SensorSignal.schedule(LENGTH, 300, 230 + 17 * sensor);
      SensorSignal.Trace trace = new SensorSignal(1000 + sensor, 1440).generate(LENGTH, truth);
      SensorModel model = SensorModel.of(detectors, settings, null);
      List<int[]> events = new ArrayList<>();
      for (int i = 0; i < trace.readings().size(); i++) {
        if (!model.observe(trace.readings().get(i)).anomalous()) continue;
        int[] last = events.isEmpty() ? null : events.get(events.size() - 1);
        if (last != null && i - last[1] <= GAP) last[1] = i;
        else events.add(new int[] {i, i});
      }
      detected += events.size();
      for (int[] e : events) if (truth.stream().anyMatch(a -> overlaps(e, a))) right++;
      for (Injected a : truth) {
        byType.get(a.type())[1]++;
        if (events.stream().anyMatch(e -> overlaps(e, a))) byType.get(a.type())[0]++;
      }
    }
    return new Score(detected, right, byType);
  }

  private static boolean overlaps(int[] event, Injected a) {
    return event[0] <= a.last() + LATE && event[1] >= a.first();
  }

  private static void report(String name, Score s) {
    StringBuilder line = new StringBuilder(String.format("%-22s precision %.3f (%d of %d detected events right), recall %.3f",
        name, s.precision(), s.rightDetections(), s.detected(), s.recall()));
    s.recallByType().forEach((t, r) -> line.append(String.format(", %s %d/%d", t.name().toLowerCase(), r[0], r[1])));
    System.out.println("anomaly quality: " + line);
  }
}
