package io.fleet.infra;

/** Checks that kept ports can still be bound before an embedded server tries, for a clear message. */
final class Ports {

  private Ports() {}

  static void requireFree(String server, DataDirectory dataDirectory, int... ports) {
    for (int port : ports) {
      if (!DataDirectory.isFree(port)) {
        throw new IllegalStateException(server + " cannot start: port " + port + " on 127.0.0.1 is in use."
            + " Is another Fleet running on " + dataDirectory.root() + "? Otherwise free the port or edit "
            + dataDirectory.root().resolve("ports.properties") + ".");
      }
    }
  }
}
