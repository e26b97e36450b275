package io.fleet.credentials;

/** What {@link DeviceCredentials#check} found: in (with the password's version), out (and why), or no answer. */
public sealed interface PasswordCheck {

  /** The password is the device's current one; {@code version} 0 is the derived bootstrap password. */
  record Accepted(int version) implements PasswordCheck {}

  /** Not in: {@code reason} is for the log, never for the device. */
  record Refused(String reason) implements PasswordCheck {}

  /** The credentials could not be read (the database is down or not ready): try again later. */
  record Unavailable(String reason) implements PasswordCheck {}
}
