package io.fleet.device;

import io.fleet.CborSerializable;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A sensor's last {@value #CAPACITY} telemetry readings, for the dashboard's charts: in the entity's
 * memory only, compactly (the metric names once, then one float per metric and reading). Not journaled —
 * telemetry is the heaviest traffic and its history is not worth a write per reading; what matters
 * lasts as {@code anomaly_detected} events. Empty after a restart or passivation, filled again as
 * readings arrive.
 */
public final class RecentReadings {
  static final int CAPACITY = 120;
  private final ArrayDeque<Row> rows = new ArrayDeque<>();
  private List<String> metrics = List.of();

  private record Row(Instant ts, float[] values) {}

  /** How many metric names the readings would use with {@code t}'s. */
  int metricsWith(Telemetry t) {
    if (metrics.containsAll(t.readings().keySet())) return metrics.size();
    TreeSet<String> names = new TreeSet<>(metrics);
    names.addAll(t.readings().keySet());
    return names.size();
  }

  /** One reading at the device's time; its metrics join the names kept (earlier rows lack them). */
  void add(Telemetry t) {
    if (!rows.isEmpty() && !t.ts().isAfter(rows.peekLast().ts())) return;
    if (!metrics.containsAll(t.readings().keySet())) {
      TreeSet<String> names = new TreeSet<>(metrics);
      names.addAll(t.readings().keySet());
      List<String> wider = List.copyOf(names);
      ArrayDeque<Row> widened = new ArrayDeque<>();
      for (Row r : rows) widened.add(new Row(r.ts(), widen(r.values(), metrics, wider)));
      rows.clear();
      rows.addAll(widened);
      metrics = wider;
    }
    float[] values = new float[metrics.size()];
    for (int i = 0; i < values.length; i++) {
      Double v = t.readings().get(metrics.get(i));
      values[i] = v == null ? Float.NaN : v.floatValue();
    }
    rows.addLast(new Row(t.ts(), values));
    if (rows.size() > CAPACITY) rows.removeFirst();
  }

  Series series() {
    List<Series.Point> points = new ArrayList<>(rows.size());
    for (Row r : rows) {
      Map<String, Double> values = new TreeMap<>();
      for (int i = 0; i < metrics.size(); i++) {
        if (!Float.isNaN(r.values()[i])) values.put(metrics.get(i), (double) r.values()[i]);
      }
      points.add(new Series.Point(r.ts(), values));
    }
    return new Series(metrics, points);
  }

  private static float[] widen(float[] values, List<String> from, List<String> to) {
    float[] out = new float[to.size()];
    for (int i = 0; i < out.length; i++) {
      int j = from.indexOf(to.get(i));
      out[i] = j < 0 ? Float.NaN : values[j];
    }
    return out;
  }

  /** The readings as the API shows them: metric names, and per reading its time and values. */
  public record Series(List<String> metrics, List<Point> points) implements CborSerializable {
    public record Point(Instant t, Map<String, Double> values) implements CborSerializable {}
  }
}
