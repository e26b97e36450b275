package io.fleet.agent.sim;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The MQTT passwords Fleet gives its devices, derived from its device secret ({@code FLEET_DEVICE_SECRET}) as Fleet
 * derives them: {@code base64url-without-padding(HMAC-SHA256(secret, deviceId))}. Lets the simulator log in as any
 * number of devices without registering each one first. Holds only the secret.
 */
final class DevicePasswords implements Function<String, String> {
  private final SecretKeySpec key;

  DevicePasswords(String secret) {
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("the device secret must not be empty");
    }
    this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
  }

  @Override
  public String apply(String deviceId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(deviceId.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }

  @Override
  public String toString() {
    return "DevicePasswords[secret=***]";
  }
}
