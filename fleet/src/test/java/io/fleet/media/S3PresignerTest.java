package io.fleet.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The SigV4 presigner against AWS's published example, and the encoding it relies on. */
class S3PresignerTest {
  private static final S3Presigner AWS_EXAMPLE =
      new S3Presigner("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1");
  private static final Instant EXAMPLE_TIME = Instant.parse("2013-05-24T00:00:00Z");

  @Test
  void theAwsDocumentationsPresignedGetExampleGetsItsSignature() {
    // "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", example GET of test.txt.
    URI url = AWS_EXAMPLE.presign("GET", URI.create("https://examplebucket.s3.amazonaws.com"), "/test.txt",
        Duration.ofSeconds(86400), EXAMPLE_TIME);

    assertThat(url.toString()).isEqualTo("https://examplebucket.s3.amazonaws.com/test.txt"
        + "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
        + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  }

  @Test
  void aPortIsPartOfTheSignedHostAndPathSegmentsAreEncodedButNotTheirSlashes() {
    URI url = AWS_EXAMPLE.presign("PUT", URI.create("http://127.0.0.1:9000"), "/bucket/clips/a b/c~d.mp4",
        Duration.ofMinutes(15), EXAMPLE_TIME);

    assertThat(url.getRawPath()).isEqualTo("/bucket/clips/a%20b/c~d.mp4");
    assertThat(url.getPort()).isEqualTo(9000);
    URI other = AWS_EXAMPLE.presign("PUT", URI.create("http://127.0.0.1:9001"), "/bucket/clips/a b/c~d.mp4",
        Duration.ofMinutes(15), EXAMPLE_TIME);
    assertThat(signature(other)).isNotEqualTo(signature(url));
  }

  @Test
  void boundHeadersAreNamedInTheUrlAndTheirValuesAreSigned() {
    URI url = AWS_EXAMPLE.presign("PUT", URI.create("http://127.0.0.1:9000"), "/bucket/clips/c.mp4", Map.of(),
        Map.of("Content-Length", "4096", "Content-Type", "video/mp4"), Duration.ofMinutes(5), EXAMPLE_TIME);

    assertThat(url.getRawQuery()).contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost", "X-Amz-Expires=300");
    URI longer = AWS_EXAMPLE.presign("PUT", URI.create("http://127.0.0.1:9000"), "/bucket/clips/c.mp4", Map.of(),
        Map.of("Content-Length", "4097", "Content-Type", "video/mp4"), Duration.ofMinutes(5), EXAMPLE_TIME);
    URI otherType = AWS_EXAMPLE.presign("PUT", URI.create("http://127.0.0.1:9000"), "/bucket/clips/c.mp4", Map.of(),
        Map.of("Content-Length", "4096", "Content-Type", "video/webm"), Duration.ofMinutes(5), EXAMPLE_TIME);
    URI sameInOtherCase = AWS_EXAMPLE.presign("PUT", URI.create("http://127.0.0.1:9000"), "/bucket/clips/c.mp4", Map.of(),
        Map.of("content-length", "4096", "CONTENT-TYPE", " video/mp4 "), Duration.ofMinutes(5), EXAMPLE_TIME);
    assertThat(signature(longer)).isNotEqualTo(signature(url));
    assertThat(signature(otherType)).isNotEqualTo(signature(url));
    assertThat(sameInOtherCase).as("names in any case, values trimmed, as S3 reads them").isEqualTo(url);
  }

  @Test
  void anOperationsQueryParametersAreSignedInOrderWithTheAuthentication() {
    URI url = AWS_EXAMPLE.presign("PUT", URI.create("http://127.0.0.1:9000"), "/bucket/k", Map.of("uploadId", "u 1",
        "partNumber", "2"), Map.of(), Duration.ofMinutes(1), EXAMPLE_TIME);

    assertThat(url.getRawQuery()).startsWith("X-Amz-Algorithm=").contains("&partNumber=2&uploadId=u%201&X-Amz-Signature=");
  }

  @Test
  void sigV4EncodingKeepsUnreservedCharactersOnly() {
    assertThat(S3Presigner.encode("a-b_c.d~e")).isEqualTo("a-b_c.d~e");
    assertThat(S3Presigner.encode("a b+c*/")).isEqualTo("a%20b%2Bc%2A%2F");
  }

  private static String signature(URI url) {
    return url.getRawQuery().replaceAll(".*X-Amz-Signature=", "");
  }
}
