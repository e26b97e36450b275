package io.fleet.media;

import io.fleet.infra.Endpoints;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Presigned S3 URLs (AWS Signature Version 4, query-string authentication, unsigned payload), which
 * pekko-connectors-s3 1.0.2 does not offer. Signs the {@code host} header and whatever headers the caller
 * binds (a clip upload's {@code content-length} and {@code content-type}): S3 refuses a request that sends
 * them with other values (403 SignatureDoesNotMatch). Immutable; holds the credentials.
 */
public final class S3Presigner {
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);

  private final String accessKey;
  private final String secretKey;
  private final String region;

  public S3Presigner(String accessKey, String secretKey, String region) {
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.region = region;
  }

  /** Signing as Fleet's S3 account: the access key, secret and region of {@code endpoints}. */
  public static S3Presigner of(Endpoints endpoints) {
    return new S3Presigner(endpoints.s3AccessKey(), endpoints.s3SecretKey(), endpoints.s3Region());
  }

  /**
   * A URL for {@code method} on {@code path} (e.g. {@code /bucket/key}, unencoded) at {@code endpoint}
   * (scheme, host and port), valid for {@code expires} from {@code now}, signing the host only.
   */
  public URI presign(String method, URI endpoint, String path, Duration expires, Instant now) {
    return presign(method, endpoint, path, Map.of(), Map.of(), expires, now);
  }

  /**
   * The same with {@code query} parameters of the operation (e.g. {@code uploads} with an empty value) and
   * {@code headers} the request must send with exactly these values (names in any case).
   */
  public URI presign(String method, URI endpoint, String path, Map<String, String> query, Map<String, String> headers,
      Duration expires, Instant now) {
    String host = endpoint.getPort() < 0 ? endpoint.getHost() : endpoint.getHost() + ":" + endpoint.getPort();
    String date = DATE.format(now);
    String scope = date + "/" + region + "/s3/aws4_request";
    Map<String, String> signed = new TreeMap<>();
    headers.forEach((name, value) -> signed.put(name.toLowerCase(Locale.ROOT), value.trim().replaceAll("\\s+", " ")));
    signed.put("host", host);
    String signedNames = String.join(";", signed.keySet());
    Map<String, String> params = new TreeMap<>();
    query.forEach((name, value) -> params.put(encode(name), encode(value)));
    params.put("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
    params.put("X-Amz-Credential", encode(accessKey + "/" + scope));
    params.put("X-Amz-Date", AMZ_DATE.format(now));
    params.put("X-Amz-Expires", Long.toString(expires.toSeconds()));
    params.put("X-Amz-SignedHeaders", encode(signedNames));
    String canonicalQuery = params.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("&"));
    String canonicalPath = encodePath(path);
    String canonicalHeaders = signed.entrySet().stream()
        .map(e -> e.getKey() + ":" + e.getValue() + "\n").collect(Collectors.joining());
    String canonicalRequest = String.join("\n", method, canonicalPath, canonicalQuery, canonicalHeaders, signedNames,
        "UNSIGNED-PAYLOAD");
    String stringToSign = String.join("\n", "AWS4-HMAC-SHA256", AMZ_DATE.format(now), scope, hex(sha256(canonicalRequest)));
    byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
    key = hmac(key, region);
    key = hmac(key, "s3");
    key = hmac(key, "aws4_request");
    String signature = hex(hmac(key, stringToSign));
    return URI.create(endpoint.getScheme() + "://" + host + canonicalPath + "?" + canonicalQuery + "&X-Amz-Signature=" + signature);
  }

  /** RFC 3986 encoding as SigV4 wants it: unreserved characters stay, a space is %20, '~' stays. */
  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
  }

  private static String encodePath(String path) {
    String[] segments = path.split("/", -1);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < segments.length; i++) {
      if (i > 0) out.append('/');
      out.append(encode(segments[i]));
    }
    return out.toString();
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is part of every Java runtime", e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
