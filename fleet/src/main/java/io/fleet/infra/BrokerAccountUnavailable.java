package io.fleet.infra;

/** The MQTT broker did not take (or drop) a device's account: the request may be tried again. */
public final class BrokerAccountUnavailable extends IllegalStateException {
  public BrokerAccountUnavailable(String deviceId, Throwable cause) {
    super("the MQTT broker did not update the account of " + deviceId + ": " + cause.getMessage(), cause);
  }
}
