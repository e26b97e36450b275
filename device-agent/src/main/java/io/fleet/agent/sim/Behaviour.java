package io.fleet.agent.sim;

import java.util.function.Consumer;

/**
 * What a virtual device does besides heartbeats: its {@link TelemetryFeed} (a sensor's readings, a tracker's
 * locations), how it misbehaves (null: it does not) with the size of an oversized message and where its acknowledged
 * bad messages go, and the fleet's {@link CameraMotionPlan} (null: no motion episodes; only cameras have them).
 */
record Behaviour(
    TelemetryFeed telemetry, Misbehaviour misbehaviour, int oversizedBytes, Consumer<MalformedMessage> groundTruth,
    CameraMotionPlan motion) {

  static Behaviour plain(TelemetryFeed telemetry) {
    return new Behaviour(telemetry, null, 0, message -> {}, null);
  }
}
