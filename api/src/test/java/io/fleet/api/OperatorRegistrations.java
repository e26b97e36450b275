package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.agent.sim.DevicePlan;
import io.fleet.agent.sim.SimulatedFleet;
import java.util.List;

/**
 * Registers the devices a simulated fleet will start, each in its household, as an operator does before
 * handing them out: a device's household comes only from its registration, never from what it sends.
 */
final class OperatorRegistrations {
  private OperatorRegistrations() {}

  /** Registers the fleet's devices through {@code app}'s API, then starts it. */
  static SimulatedFleet startRegistered(FleetApp app, SimulatedFleet.Builder fleet) {
    registerAll(new ApiClient(app.baseUrl(), app.operatorToken()), fleet.plan());
    return fleet.start();
  }

  static void registerAll(ApiClient operator, List<DevicePlan> plan) {
    for (DevicePlan device : plan) {
      ApiClient.Response registered = operator.post("/api/devices", "{\"deviceId\": \"" + device.id() + "\", \"type\": \""
          + device.kind().name().toLowerCase() + "\", \"household\": \"" + device.household() + "\"}");
      assertThat(registered.status()).as("registering %s: %s", device.id(), registered.text()).isEqualTo(201);
    }
  }
}
