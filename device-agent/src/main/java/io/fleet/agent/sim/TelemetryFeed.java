package io.fleet.agent.sim;

import io.fleet.agent.sim.sensor.SensorSignal;
import io.fleet.agent.sim.tracker.Course;
import io.fleet.protocol.DeviceKind;
import io.fleet.protocol.Topics;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The telemetry a virtual device sends besides heartbeats, one message a beat, when the fleet is built with
 * {@code telemetry(true)}: a sensor its readings on {@code fleet/{id}/telemetry} (the simulator's
 * {@link SensorSignal}, with an injected anomaly now and then), a tracker an OwnTracks location on
 * {@code owntracks/{id}/phone} going round a 1 km loop at its own speed. Cameras send nothing more.
 * Owns the position in its signal; not thread-safe (the device's beats come one at a time).
 */
abstract class TelemetryFeed {
  /** A topic and its payload. */
  record Message(String topic, String payload) {}

  abstract Optional<Message> next(Instant now);

  static TelemetryFeed none() {
    return new TelemetryFeed() {
      @Override
      Optional<Message> next(Instant now) {
        return Optional.empty();
      }
    };
  }

  static TelemetryFeed of(DeviceKind kind, String id, long seed) {
    if (kind == DeviceKind.SENSOR) return new Sensor(id, seed);
    if (kind == DeviceKind.TRACKER) return new Tracker(id, seed);
    return none();
  }

  /**
   * Three days of simulated signal, over and over; an anomaly every ~1,000 readings. Made one reading at a time:
   * days of readings held by each of thousands of sensors would not fit a heap.
   */
  private static final class Sensor extends TelemetryFeed {
    private static final int LENGTH = 4320;
    private final String topic;
    private final SensorSignal.Readings readings;
    private int next;

    Sensor(String id, long seed) {
      this.topic = Topics.telemetry(id);
      // The first anomaly after 2–12 minutes of readings (at 5 s), so a newcomer sees some soon; then one every ~1,000.
      int quiet = 120 + (int) Math.floorMod(seed, 120L);
      this.readings = new SensorSignal(seed, 1440).readings(SensorSignal.schedule(LENGTH, quiet, 1000));
    }

    @Override
    Optional<Message> next(Instant now) {
      Map<String, Double> r = readings.at(next++ % LENGTH);
      StringBuilder json = new StringBuilder("{\"ts\":\"").append(now).append("\",\"readings\":{");
      String sep = "";
      for (Map.Entry<String, Double> e : r.entrySet()) {
        json.append(sep).append('"').append(e.getKey()).append("\":").append(e.getValue());
        sep = ",";
      }
      return Optional.of(new Message(topic, json.append("}}").toString()));
    }
  }

  /** Round a 1 km square loop near Berlin at 10–25 km/h. */
  private static final class Tracker extends TelemetryFeed {
    private final String topic;
    private final String tid;
    private final Course course;
    private final double kmh;
    private Instant started;

    Tracker(String id, long seed) {
      Random random = new Random(seed);
      this.topic = Topics.ownTracks(id, "phone");
      this.tid = id.substring(Math.max(0, id.length() - 2));
      double lat = 52.50 + random.nextDouble() * 0.02;
      double lon = 13.38 + random.nextDouble() * 0.04;
      double dLat = 250 / 111_320.0;
      double dLon = dLat / Math.cos(Math.toRadians(lat));
      this.course = new Course(List.of(new double[] {lat, lon}, new double[] {lat, lon + dLon},
          new double[] {lat + dLat, lon + dLon}, new double[] {lat + dLat, lon}, new double[] {lat, lon}));
      this.kmh = 10 + random.nextDouble() * 15;
    }

    @Override
    Optional<Message> next(Instant now) {
      if (started == null) started = now;
      double metres = kmh / 3.6 * (now.toEpochMilli() - started.toEpochMilli()) / 1000.0;
      double[] at = course.pointAt(metres % course.length());
      return Optional.of(new Message(topic, Course.ownTracks(at, now.getEpochSecond(), kmh, 34, 80,
          tid.toLowerCase(Locale.ROOT))));
    }
  }
}
