package io.fleet.agent.sim;

import java.util.function.Consumer;

/**
 * What a virtual device does besides heartbeats: its {@link Extras} (telemetry, locations), how it misbehaves (null:
 * it does not) with the size of an oversized message and where its acknowledged bad messages go, and the fleet's
 * motion settings (null: no motion episodes; only cameras have them).
 */
record Behaviour(
    Extras extras, Misbehaviour misbehaviour, int oversizedBytes, Consumer<MalformedMessage> groundTruth,
    MotionSettings motion) {

  static Behaviour plain(Extras extras) {
    return new Behaviour(extras, null, 0, message -> {}, null);
  }
}
