package io.fleet.agent.sim.sensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A simulated environment sensor's readings with known anomalies: temperature on a daily cycle with
 * noise, humidity that falls as temperature rises (correlated), and vibration; one reading per step,
 * {@code stepsPerDay} steps a day. Injected anomalies come with their ground truth: a spike, a drift, a
 * stuck humidity value, and a correlation break (humidity off its relation to temperature while both
 * stay within their usual ranges). Deterministic for a seed.
 */
public final class SensorSignal {

  public enum AnomalyType { SPIKE, DRIFT, STUCK, CORRELATION_BREAK }

  /** An injected anomaly over the readings {@code first..last} (inclusive). */
  public record Injected(AnomalyType type, int first, int last) {}

  /** The readings and the anomalies in them. */
  public record Trace(List<Map<String, Double>> readings, List<Injected> truth) {}

  private final Random random;
  private final int stepsPerDay;

  public SensorSignal(long seed, int stepsPerDay) {
    this.random = new Random(seed);
    this.stepsPerDay = stepsPerDay;
  }

  /** {@code length} readings; the anomalies must not overlap. */
  public Trace generate(int length, List<Injected> anomalies) {
    List<Map<String, Double>> out = new ArrayList<>(length);
    Readings readings = readings(anomalies);
    for (int i = 0; i < length; i++) {
      out.add(readings.at(i));
    }
    return new Trace(out, List.copyOf(anomalies));
  }

  /**
   * The same readings one at a time, kept nowhere: what a simulated sensor needs to run for days (thousands of
   * sensors cannot each hold days of readings). {@code generate(n, anomalies)} is the first {@code n} of them.
   */
  public Readings readings(List<Injected> anomalies) {
    return new Readings(List.copyOf(anomalies));
  }

  /** A signal's readings in order; ask for steps in increasing order (a stuck value holds across them). */
  public final class Readings {
    private final List<Injected> anomalies;
    private final double phase = random.nextDouble() * 2 * Math.PI;
    private final double base = 19 + random.nextDouble() * 4;
    private Double stuck;

    private Readings(List<Injected> anomalies) {
      this.anomalies = anomalies;
    }

    /** The reading at step {@code i}. */
    public Map<String, Double> at(int i) {
      double cycle = 2 * Math.sin(2 * Math.PI * i / stepsPerDay + phase);
      double temperature = base + cycle + random.nextGaussian() * 0.15;
      double humidity = 55 - 1.5 * cycle + random.nextGaussian() * 0.4;
      double vibration = 0.02 + random.nextGaussian() * 0.003;
      Injected a = SensorSignal.at(anomalies, i);
      if (a != null) {
        switch (a.type()) {
          case SPIKE -> temperature += 6;
          case DRIFT -> temperature += 0.06 * (i - a.first() + 1);
          case STUCK -> {
            if (stuck == null) stuck = humidity;
            humidity = stuck;
          }
          case CORRELATION_BREAK -> humidity += 3;
        }
      } else {
        stuck = null;
      }
      Map<String, Double> r = new LinkedHashMap<>();
      r.put("temperature", round(temperature, 2));
      r.put("humidity", round(humidity, 2));
      r.put("vibration", round(vibration, 4));
      return r;
    }
  }

  /**
   * One of each anomaly type, in turn, spaced {@code every} readings apart after {@code quiet} normal
   * readings: a spike lasts 1 reading, a drift 60, stuck 60, a correlation break 30.
   */
  public static List<Injected> schedule(int length, int quiet, int every) {
    List<Injected> out = new ArrayList<>();
    AnomalyType[] types = AnomalyType.values();
    int n = 0;
    for (int start = quiet; start + 60 < length; start += every, n++) {
      AnomalyType type = types[n % types.length];
      int duration = switch (type) {
        case SPIKE -> 1;
        case DRIFT, STUCK -> 60;
        case CORRELATION_BREAK -> 30;
      };
      out.add(new Injected(type, start, start + duration - 1));
    }
    return out;
  }

  private static Injected at(List<Injected> anomalies, int i) {
    for (Injected a : anomalies) if (i >= a.first() && i <= a.last()) return a;
    return null;
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
