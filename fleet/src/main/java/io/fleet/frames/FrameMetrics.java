package io.fleet.frames;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One camera's frame meters in the node's registry: {@code fleet_frames_processed_total{camera}},
 * {@code fleet_frames_dropped_total{camera,reason}} (out-of-order, duplicate),
 * {@code fleet_frames_missing_total{camera}} (sequence numbers that never came),
 * {@code fleet_frame_lag_seconds{camera}} (how long after its capture the camera's latest frame was
 * looked at: a camera whose frames wait in Kafka or in its buffer shows it) and
 * {@code fleet_frame_clips_total{camera,outcome}}. Only registered cameras have them: a camera's counts
 * wait here ({@link #pending}) until it is known to be registered ({@link #publish}), so made-up
 * camera ids cannot grow {@code /metrics}; they are {@link #forget forgotten} when the camera's lane
 * goes idle. In memory only; they restart at zero with the process.
 */
final class FrameMetrics {
  private final String camera;
  private final AtomicLong lagMillis = new AtomicLong();
  private final Map<String, Long> waiting = new TreeMap<>();
  private MeterRegistry registry;

  private FrameMetrics(String camera) {
    this.camera = camera;
  }

  /** Counts kept aside until {@link #publish}. */
  static FrameMetrics pending(String camera) {
    return new FrameMetrics(camera);
  }

  /** Meters in {@code registry} from the start. */
  FrameMetrics(MeterRegistry registry, String camera) {
    this(camera);
    publish(registry);
  }

  /** Removes every meter of {@code camera} from {@code registry}. */
  static void forget(MeterRegistry registry, String camera) {
    registry.getMeters().stream()
        .filter(meter -> camera.equals(meter.getId().getTag("camera")))
        .toList()
        .forEach(registry::remove);
  }

  synchronized boolean published() {
    return registry != null;
  }

  /** The camera is registered: its meters go into {@code registry}, with what was counted so far. */
  synchronized void publish(MeterRegistry into) {
    if (registry != null) return;
    registry = into;
    Gauge.builder("fleet_frame_lag_seconds", lagMillis, lag -> lag.get() / 1000.0)
        .tag("camera", camera)
        .description("how long after its capture the detector looked at the camera's latest frame")
        .register(registry);
    processedCounter().increment(0);
    missingCounter().increment(0);
    waiting.forEach((meter, count) -> {
      String[] nameAndTag = meter.split("\u0000", -1);
      counter(nameAndTag[0], nameAndTag[1], nameAndTag[2]).increment(count);
    });
    waiting.clear();
  }

  void processed(long captureMillis) {
    lagMillis.set(Math.max(0, System.currentTimeMillis() - captureMillis));
    count("fleet_frames_processed", "", "", 1);
  }

  void missing(long frames) {
    count("fleet_frames_missing", "", "", frames);
  }

  void dropped(String reason) {
    count("fleet_frames_dropped", "reason", reason, 1);
  }

  void clip(String outcome) {
    count("fleet_frame_clips", "outcome", outcome, 1);
  }

  private synchronized void count(String name, String tag, String value, long n) {
    if (registry == null) waiting.merge(name + "\u0000" + tag + "\u0000" + value, n, Long::sum);
    else counter(name, tag, value).increment(n);
  }

  private Counter processedCounter() {
    return counter("fleet_frames_processed", "", "");
  }

  private Counter missingCounter() {
    return counter("fleet_frames_missing", "", "");
  }

  private Counter counter(String name, String tag, String value) {
    Counter.Builder builder = Counter.builder(name).tag("camera", camera).description(DESCRIPTIONS.get(name));
    if (!tag.isEmpty()) builder = builder.tag(tag, value);
    return builder.register(registry);
  }

  private static final Map<String, String> DESCRIPTIONS = Map.of(
      "fleet_frames_processed", "frames the detector looked at",
      "fleet_frames_missing", "sequence numbers skipped by the camera's frames",
      "fleet_frames_dropped", "frames not looked at, by reason",
      "fleet_frame_clips", "clips cut from camera frames, by outcome");
}
