package io.fleet.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.typesafe.config.ConfigFactory;
import io.fleet.agent.sim.sensor.SensorSignal;
import io.fleet.anomaly.AnomalySettings;
import io.fleet.anomaly.OneClassSvm;
import io.fleet.anomaly.OnlineMahalanobis;
import io.fleet.anomaly.RobustZScore;
import io.fleet.anomaly.SensorModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Readings judged per second by each anomaly detector configuration, one thread, on the simulator's
 * sensor signal (3 metrics, injected anomalies) with the shipped settings, as a ratio to the sensors'
 * default pair ({@code robust-z+mahalanobis}) measured in the same run; and the size of each configuration's journaled
 * baseline (CBOR, as the device journals it every {@code baseline-save-every} readings). Each round runs
 * fresh models over the same readings from the start, so the learned detector's warm-up and every
 * retraining are in its figure. Not part of {@code mvn verify}: see BENCHMARKS.md.
 */
public final class AnomalyDetectorBenchmark {
  private static final List<List<String>> CONFIGURATIONS = List.of(
      List.of(RobustZScore.NAME, OnlineMahalanobis.NAME),
      List.of(RobustZScore.NAME),
      List.of(OnlineMahalanobis.NAME),
      List.of(OneClassSvm.NAME),
      List.of(RobustZScore.NAME, OnlineMahalanobis.NAME, OneClassSvm.NAME));

  public static void main(String[] args) throws Exception {
    int sensors = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    int readings = args.length > 1 ? Integer.parseInt(args[1]) : 3 * 1440;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    AnomalySettings settings = AnomalySettings.fromConfig(ConfigFactory.load().getConfig("fleet"));
    List<List<Map<String, Double>>> traces = new ArrayList<>();
    for (int s = 0; s < sensors; s++) {
      traces.add(new SensorSignal(3000 + s, 1440).generate(readings, SensorSignal.schedule(readings, 300, 250 + 13 * s)).readings());
    }
    ObjectMapper cbor = new CBORMapper();
    for (List<String> detectors : CONFIGURATIONS) run(detectors, settings, traces); // warm-up, unmeasured
    // The same detector trained once (at the end of its warm-up): its scoring alone, so the difference
    // to the row above it is what retraining every retrain-every readings costs.
    OneClassSvm.Settings s = settings.oneClassSvm();
    AnomalySettings trainedOnce = new AnomalySettings(Map.of(), settings.baselineSaveEvery(), settings.robustZ(), settings.mahalanobis(),
        new OneClassSvm.Settings(s.window(), s.stride(), s.warmup(), Integer.MAX_VALUE, s.motionOver(), s.levelOver(), s.nu(),
            s.gamma(), s.learnBelow(), s.threshold(), s.rebaselineAfter()));
    System.out.printf("%d sensors x %d readings, best of %d rounds%n", sensors, readings, rounds);
    System.out.printf("%-40s %14s %12s %10s %16s%n", "detectors", "readings/s", "µs/reading", "÷ default", "baseline bytes");
    double baseline = 0;
    List<String> labels = new ArrayList<>();
    CONFIGURATIONS.forEach(d -> labels.add(String.join("+", d)));
    labels.add(OneClassSvm.NAME + " (trained once)");
    for (String label : labels) {
      boolean once = label.endsWith("(trained once)");
      List<String> detectors = once ? List.of(OneClassSvm.NAME) : List.of(label.split("\\+"));
      long best = Long.MAX_VALUE;
      SensorModel last = null;
      for (int r = 0; r < rounds; r++) {
        long t0 = System.nanoTime();
        last = run(detectors, once ? trainedOnce : settings, traces);
        best = Math.min(best, System.nanoTime() - t0);
      }
      double perSecond = (double) sensors * readings / (best / 1e9);
      if (baseline == 0) baseline = perSecond;
      System.out.printf("%-40s %,14.0f %12.1f %10.3f %,16d%n", label, perSecond, 1e6 / perSecond,
          perSecond / baseline, cbor.writeValueAsBytes(last.baseline()).length);
    }
  }

  /** Every trace through a fresh model of {@code detectors}; the last model, for its baseline's size. */
  private static SensorModel run(List<String> detectors, AnomalySettings settings, List<List<Map<String, Double>>> traces) {
    SensorModel model = null;
    int anomalous = 0;
    for (List<Map<String, Double>> trace : traces) {
      model = SensorModel.of(detectors, settings, null);
      for (Map<String, Double> r : trace) if (model.observe(r).anomalous()) anomalous++;
    }
    if (anomalous == 0) throw new IllegalStateException(detectors + " found no anomaly: the run judged nothing");
    return model;
  }
}
