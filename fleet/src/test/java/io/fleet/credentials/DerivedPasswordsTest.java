package io.fleet.credentials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class DerivedPasswordsTest {

  private final DerivedPasswords credentials = new DerivedPasswords("fleet-secret");

  @Test
  void passwordIsBase64UrlWithoutPaddingOfHmacSha256OfTheDeviceId() throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec("fleet-secret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    String expected = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(mac.doFinal("cam-1".getBytes(StandardCharsets.UTF_8)));

    assertThat(credentials.passwordFor("cam-1")).isEqualTo(expected).hasSize(43).doesNotContain("=", "+", "/");
  }

  @Test
  void derivationIsStableAcrossInstancesWithTheSameSecret() {
    assertThat(new DerivedPasswords("fleet-secret").passwordFor("sensor-7"))
        .isEqualTo(credentials.passwordFor("sensor-7"));
  }

  @Test
  void passwordsDifferPerDeviceAndPerSecret() {
    assertThat(credentials.passwordFor("cam-1")).isNotEqualTo(credentials.passwordFor("cam-2"));
    assertThat(new DerivedPasswords("other-secret").passwordFor("cam-1"))
        .isNotEqualTo(credentials.passwordFor("cam-1"));
  }

  @Test
  void verifyAcceptsOnlyTheDevicesOwnPassword() {
    String password = credentials.passwordFor("cam-1");

    assertThat(credentials.verify("cam-1", password)).isTrue();
    assertThat(credentials.verify("cam-2", password)).isFalse();
    assertThat(credentials.verify("cam-1", password.substring(1))).isFalse();
    assertThat(credentials.verify("cam-1", password + "x")).isFalse();
    assertThat(credentials.verify("cam-1", "")).isFalse();
    assertThat(credentials.verify("cam-1", null)).isFalse();
    assertThat(credentials.verify(null, password)).isFalse();
  }

  @Test
  void anEmptySecretIsRejected() {
    assertThatThrownBy(() -> new DerivedPasswords("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void toStringDoesNotRevealTheSecret() {
    assertThat(credentials.toString()).doesNotContain("fleet-secret");
  }
}
