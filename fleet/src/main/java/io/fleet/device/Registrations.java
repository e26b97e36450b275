package io.fleet.device;

import io.fleet.device.DeviceEvent.Registered;
import io.fleet.device.DeviceEvent.RegistrationChanged;
import java.time.Instant;
import java.util.Optional;

/** Which registration event a device's registration or its first message causes. Pure. */
final class Registrations {
  private final String deviceId;
  private final DeviceSettings settings;

  Registrations(String deviceId, DeviceSettings settings) {
    this.deviceId = deviceId;
    this.settings = settings;
  }

  /** Registering again with the same details changes nothing; with others, they replace the old ones. */
  Optional<DeviceEvent> onRegister(DeviceState state, DeviceRegistration requested, Instant at) {
    DeviceRegistration r = requested.namedOr(deviceId);
    if (!state.registered()) {
      return Optional.of(new Registered(deviceId, at, r.type(), r.name(), r.household(), r.location(), false, null));
    }
    if (r.equals(state.registration())) return Optional.empty();
    return Optional.of(new RegistrationChanged(deviceId, at, r.type(), r.name(), r.household(), r.location()));
  }

  /**
   * An unknown device registers itself with its first heartbeat or motion event, as the type it says it is,
   * in the configured default household (none unless configured): never in a household it names itself,
   * which would let any device show up among, and see into, a household's devices. An operator assigns it
   * one by registering it. What it recorded before stays filed under the household it had then.
   */
  Registered self(DeviceType type, String name, Instant at) {
    return new Registered(deviceId, at, type != null ? type : settings.defaultType(),
        name != null ? name : deviceId, settings.defaultHousehold().orElse(null), null, true, null);
  }
}
