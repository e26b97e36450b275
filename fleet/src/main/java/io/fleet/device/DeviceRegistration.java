package io.fleet.device;

import io.fleet.CborSerializable;

/** What an operator (or a self-registering device) says a device is. Only the type is required. */
public record DeviceRegistration(DeviceType type, String name, String household, String location)
    implements CborSerializable {

  /** The same registration, named after the device when it has no name. */
  DeviceRegistration namedOr(String deviceId) {
    return name != null && !name.isBlank() ? this : new DeviceRegistration(type, deviceId, household, location);
  }
}
