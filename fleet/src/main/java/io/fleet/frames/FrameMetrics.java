package io.fleet.frames;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One camera's frame meters in the node's registry: {@code fleet_frames_processed_total{camera}},
 * {@code fleet_frames_dropped_total{camera,reason}} (out-of-order, duplicate),
 * {@code fleet_frames_missing_total{camera}} (sequence numbers that never came),
 * {@code fleet_frame_lag_seconds{camera}} (how long after its capture the camera's latest frame was
 * looked at: a camera whose frames wait in Kafka or in its buffer shows it) and {@code fleet_frame_clips_total{camera,outcome}}. In memory
 * only; they restart at zero with the process.
 */
final class FrameMetrics {
  private final MeterRegistry registry;
  private final String camera;
  private final Counter processed;
  private final Counter missing;
  private final AtomicLong lagMillis = new AtomicLong();

  FrameMetrics(MeterRegistry registry, String camera) {
    this.registry = registry;
    this.camera = camera;
    this.processed = Counter.builder("fleet_frames_processed").tag("camera", camera)
        .description("frames the detector looked at").register(registry);
    this.missing = Counter.builder("fleet_frames_missing").tag("camera", camera)
        .description("sequence numbers skipped by the camera's frames").register(registry);
    Gauge.builder("fleet_frame_lag_seconds", lagMillis, lag -> lag.get() / 1000.0)
        .tag("camera", camera)
        .description("how long after its capture the detector looked at the camera's latest frame")
        .register(registry);
  }

  void processed(long captureMillis) {
    processed.increment();
    lagMillis.set(Math.max(0, System.currentTimeMillis() - captureMillis));
  }

  void missing(long frames) {
    missing.increment(frames);
  }

  void dropped(String reason) {
    Counter.builder("fleet_frames_dropped").tag("camera", camera).tag("reason", reason)
        .description("frames not looked at, by reason").register(registry).increment();
  }

  void clip(String outcome) {
    Counter.builder("fleet_frame_clips").tag("camera", camera).tag("outcome", outcome)
        .description("clips cut from camera frames, by outcome").register(registry).increment();
  }
}
