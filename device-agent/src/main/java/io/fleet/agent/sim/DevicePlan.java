package io.fleet.agent.sim;

import io.fleet.protocol.DeviceKind;

/**
 * One device a {@link SimulatedFleet.Builder} will start: its id, kind, household and how it misbehaves (null when
 * it behaves). A test reads the plan before starting, e.g. to register exactly the devices Fleet should know.
 */
public record DevicePlan(String id, DeviceKind kind, String household, Misbehaviour misbehaviour) {}
