package io.fleet.credentials;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Derives each device's MQTT password from one fleet-wide secret:
 * {@code base64url-without-padding(HMAC-SHA256(secret, deviceId))}. Holds only that secret (immutable), so
 * nothing per device is stored: as long as the secret is the same after a restart (it comes from
 * {@code fleet.device-secret} or is kept in the data directory's {@code secrets.properties}), every device
 * keeps its password.
 */
public final class DerivedPasswords {

  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;

  public DerivedPasswords(String secret) {
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("device secret must not be empty");
    }
    this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM);
  }

  /** The password the device with this id must present to the MQTT broker. */
  public String passwordFor(String deviceId) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(deviceId));
  }

  /** Whether {@code password} is this device's password; compares in constant time. */
  public boolean verify(String deviceId, String password) {
    if (deviceId == null || password == null) {
      return false;
    }
    byte[] expected = passwordFor(deviceId).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, password.getBytes(StandardCharsets.UTF_8));
  }

  private byte[] mac(String deviceId) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac.doFinal(deviceId.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }

  @Override
  public String toString() {
    return "DerivedPasswords[secret=***]";
  }
}
