package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.junit.jupiter.api.Test;

/** The security headers: the policy's sources, and HSTS only where HTTPS is. */
class SecurityHeadersTest {
  private static final String CLIPS = SecurityHeaders.originOf(URI.create("http://127.0.0.1:9000/fleet-clips/k?X-Amz-Signature=s"));

  @Test
  void overPlainHttpThereIsNoHstsAndThePolicyAllowsOnlyTheAppAndItsClipStore() {
    Map<String, String> headers = byName(new SecurityHeaders(security(false, ""), CLIPS).headers(false));
    assertThat(headers).doesNotContainKey("strict-transport-security")
        .containsEntry("x-content-type-options", "nosniff")
        .containsEntry("referrer-policy", "no-referrer");
    assertThat(headers.get("content-security-policy"))
        .contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "img-src 'self' data:;",
            "media-src 'self' http://127.0.0.1:9000;")
        .doesNotContain("unsafe-inline", "*");
  }

  @Test
  void hstsWhenConfiguredForHttpsOrWhenTheRequestCameOverTls() {
    assertThat(byName(new SecurityHeaders(security(true, ""), CLIPS).headers(false)))
        .containsEntry("strict-transport-security", "max-age=31536000; includeSubDomains");
    assertThat(byName(new SecurityHeaders(security(false, ""), CLIPS).headers(true))).containsKey("strict-transport-security");
  }

  @Test
  void aConfiguredTileServerMayServeImages() {
    assertThat(byName(new SecurityHeaders(security(false, "https://tile.openstreetmap.org"), CLIPS).headers(false))
        .get("content-security-policy")).contains("img-src 'self' data: https://tile.openstreetmap.org;");
  }

  private static Config security(boolean https, String tiles) {
    return ConfigFactory.parseMap(Map.of("https", https, "map-tiles", tiles))
        .withFallback(ConfigFactory.load().getConfig("fleet.http.security"));
  }

  private static Map<String, String> byName(List<HttpHeader> headers) {
    return headers.stream().collect(Collectors.toMap(HttpHeader::lowercaseName, HttpHeader::value));
  }
}
