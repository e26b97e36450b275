package io.fleet.api;

import io.fleet.credentials.DeviceCredentials;
import io.fleet.credentials.PasswordCheck;
import io.fleet.device.DeviceAnswer;
import io.fleet.device.StoredClip;
import io.fleet.media.ClipGateway;
import io.fleet.media.ClipStore;
import io.fleet.media.ClipUploadSettings;
import io.fleet.media.UploadSlots;
import io.fleet.metrics.FleetMetrics;
import io.fleet.protocol.DeviceId;
import io.fleet.runtime.Fleet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.StreamIdleTimeoutException;

/**
 * {@code PUT /api/devices/{id}/clips/{clipId}}: a device (HTTP Basic, its id and MQTT password) or an
 * operator streams a clip to S3 — a multipart upload, never whole in memory — then the object is
 * HEAD-checked (size as received, video or octet-stream type) and only then the device's entity is told
 * the clip is stored (S3 first). Uploads are bounded per node and per device: one over the limit is
 * refused with 429 and {@code Retry-After}, so a slow S3 holds devices back instead of filling memory.
 * {@code POST /api/devices/{id}/clips} hands out a presigned S3 URL instead, for devices that upload
 * straight to S3 and then send the event: bound to one clip's key, to the length and type the device declared,
 * and valid for minutes. Holds only the in-flight counts; an upload cut short by a crash leaves no stored clip
 * behind (its parts are aborted by the bucket's lifecycle rule or the {@code UploadSweeper}) and the device
 * uploads again.
 */
final class ClipRoutes extends AllDirectives {
  private static final Duration CHECK_PATIENCE = Duration.ofSeconds(30);
  private static final String DEFAULT_TYPE = "video/mp4";
  /** A media type without parameters: what the presigned URL signs is then exactly what the device sends. */
  private static final Pattern MEDIA_TYPE = Pattern.compile("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+");

  private final Fleet fleet;
  private final ClipGateway clips;
  private final Authenticator authenticator;
  private final ClientAddress clientAddress;
  private final DeviceCredentials credentials;
  private final ClipUploadSettings settings;
  private final UploadSlots slots;

  ClipRoutes(Fleet fleet, Authenticator authenticator, ClientAddress clientAddress) {
    this.fleet = fleet;
    this.clientAddress = clientAddress;
    this.clips = fleet.clips();
    this.authenticator = authenticator;
    this.credentials = fleet.credentials();
    this.settings = ClipUploadSettings.fromConfig(fleet.system().settings().config().getConfig("fleet"));
    this.slots = new UploadSlots(settings.uploadsPerNode(), settings.uploadsPerDevice());
    FleetMetrics.get(fleet.system()).registry().gauge("fleet_clip_uploads_in_flight", slots, UploadSlots::inUse);
  }

  /** What a stored clip's upload answers. */
  record ClipView(String deviceId, String clipId, String key, String url, long size, String contentType, Instant storedAt) {}

  /**
   * The body of {@code POST /api/devices/{id}/clips}: the clip's length in bytes (required) and its media type
   * (default {@value #DEFAULT_TYPE}); the presigned URL takes only a clip of exactly these.
   */
  record DeclaredClip(Long length, String contentType) {}

  /**
   * What {@code POST /api/devices/{id}/clips} answers: where to PUT the clip, the headers to send with it
   * (exactly these: they are signed), and its id for the event.
   */
  record PresignedUpload(String clipId, String key, String method, String url, Map<String, String> headers,
      Instant expiresAt) {}

  Route routes() {
    return pathPrefix("devices", () -> pathPrefix(PathMatchers.segment(), id -> pathPrefix("clips", () -> concat(
        pathEndOrSingleSlash(() -> post(() -> asDeviceOrOperator(id, () -> presign(id)))),
        path(PathMatchers.segment(), clipId -> put(() -> asDeviceOrOperator(id, () -> upload(id, clipId))))))));
  }

  /**
   * A presigned URL to PUT a clip straight into the bucket, as the seed's devices did. The clip id
   * Fleet issues encodes the key, so a motion event naming it is HEAD-checked by the consumer. The URL is
   * signed for that key, the declared length and type, and {@code fleet.clips.presigned-url-ttl}.
   */
  private Route presign(String deviceId) {
    if (!DeviceId.isValid(deviceId)) return unknown(deviceId);
    return Json.bounded(() -> entity(Unmarshaller.entityToString(), body -> declared(body, declared -> onSuccess(known(deviceId), known -> {
      if (!known) return unknown(deviceId);
      Instant now = Instant.now();
      String clipId = ClipStore.issueClipId(now);
      String key = ClipStore.issuedKey(deviceId, clipId).orElseThrow();
      String url = clips.store().presignedPut(key, declared.length(), declared.contentType(), settings.presignedUrlTtl(), now)
          .toString();
      return complete(StatusCodes.CREATED, new PresignedUpload(clipId, key, "PUT", url,
          ClipStore.uploadHeaders(declared.length(), declared.contentType()), now.plus(settings.presignedUrlTtl())),
          Json.marshaller());
    }))));
  }

  /** The clip the body declares, with its type defaulted; 400, 413 or 415 for a declaration Fleet cannot sign. */
  private Route declared(String body, Function<DeclaredClip, Route> inner) {
    DeclaredClip declared;
    try {
      declared = body.isBlank() ? null : Json.MAPPER.readValue(body, DeclaredClip.class);
    } catch (IOException e) {
      return HttpApi.error(StatusCodes.BAD_REQUEST, "malformed request", "send {\"length\": <bytes>, \"contentType\": \""
          + DEFAULT_TYPE + "\"}");
    }
    if (declared == null || declared.length() == null) {
      return HttpApi.error(StatusCodes.BAD_REQUEST, "length required",
          "declare the clip's length in bytes: {\"length\": <bytes>}; the upload URL takes exactly that many");
    }
    if (declared.length() < 1) return HttpApi.error(StatusCodes.BAD_REQUEST, "invalid length", "a clip has at least 1 byte");
    if (declared.length() > settings.maxBytes()) return tooLarge();
    String type = declared.contentType() == null ? DEFAULT_TYPE : declared.contentType();
    if (!MEDIA_TYPE.matcher(type).matches() || !ClipStore.isClipContentType(type)) {
      return HttpApi.error(StatusCodes.UNSUPPORTED_MEDIA_TYPE, "unsupported media type",
          "declare video/* or application/octet-stream, without parameters");
    }
    return inner.apply(new DeclaredClip(declared.length(), type));
  }

  /**
   * The device itself (Basic: its id and MQTT password) or an operator (Bearer). A wrong password counts
   * against the client's address as a wrong token does; an address over the limit is 429.
   */
  private Route asDeviceOrOperator(String deviceId, Supplier<Route> inner) {
    return clientAddress.of(client -> optionalHeaderValueByName("Authorization", header -> {
      if (header.filter(h -> h.regionMatches(true, 0, "Basic ", 0, 6)).isPresent()) {
        Optional<Authentication> throttled = authenticator.throttled(client);
        if (throttled.isPresent()) return BearerAuthentication.unauthenticated(throttled.get());
        String basic = header.get().substring(6).trim();
        return onSuccess(CompletableFuture.supplyAsync(() -> deviceCheck(deviceId, basic), fleet.blocking()), check -> {
          if (check instanceof PasswordCheck.Accepted) return inner.get();
          if (check instanceof PasswordCheck.Unavailable) {
            return HttpApi.error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "device passwords cannot be checked now; try again");
          }
          authenticator.failed(client);
          return unauthorized();
        });
      }
      return onSuccess(authenticator.authenticate(client, Authenticator.bearer(header)), outcome -> {
        if (outcome instanceof Authentication.Throttled) return BearerAuthentication.unauthenticated(outcome);
        return outcome instanceof Authentication.Authenticated authenticated && authenticated.principal().isOperator()
            ? inner.get() : unauthorized();
      });
    }));
  }

  /** Blocks on the database: run on the blocking executor. */
  private PasswordCheck deviceCheck(String deviceId, String basic) {
    try {
      String decoded = new String(Base64.getDecoder().decode(basic), StandardCharsets.UTF_8);
      int colon = decoded.indexOf(':');
      if (colon <= 0 || !decoded.substring(0, colon).equals(deviceId)) return new PasswordCheck.Refused("another user");
      return credentials.check(deviceId, decoded.substring(colon + 1));
    } catch (IllegalArgumentException notBase64) {
      return new PasswordCheck.Refused("not Basic");
    }
  }

  private Route unauthorized() {
    return respondWithHeader(WWWAuthenticate.create(HttpChallenge.createBasic("fleet devices")),
        () -> HttpApi.error(StatusCodes.UNAUTHORIZED, "unauthorized",
            "send Basic <device id>:<device password>, or an operator's Bearer token"));
  }

  private Route upload(String deviceId, String clipId) {
    if (!DeviceId.isValid(deviceId) || !ClipStore.isValidClipId(clipId)) {
      return HttpApi.error(StatusCodes.BAD_REQUEST, "invalid id", "device and clip ids are 1-128 letters, digits, '.', '-' or '_'");
    }
    return extractRequestEntity(entity -> {
      ContentType type = entity.getContentType();
      if (!ClipStore.isClipContentType(type.mediaType().toString())) {
        return HttpApi.error(StatusCodes.UNSUPPORTED_MEDIA_TYPE, "unsupported media type", "send video/* or application/octet-stream");
      }
      if (entity.getContentLengthOption().isPresent() && entity.getContentLengthOption().getAsLong() > settings.maxBytes()) {
        return tooLarge();
      }
      if (!clips.store().available()) {
        return respondWithHeader(RetryAfter.create(5L), () -> HttpApi.error(StatusCodes.SERVICE_UNAVAILABLE, "clip store unavailable",
            "S3 is not answering; upload the clip again later"));
      }
      if (!slots.tryAcquire(deviceId)) {
        return respondWithHeader(RetryAfter.create(1L), () -> HttpApi.error(StatusCodes.TOO_MANY_REQUESTS, "busy",
            "too many clip uploads at once on this node or from this device; retry shortly"));
      }
      CompletionStage<Route> stored = known(deviceId)
          .thenCompose(known -> known ? store(deviceId, clipId, entity, type) : CompletableFuture.completedFuture(unknown(deviceId)))
          .whenComplete((route, failure) -> slots.release(deviceId));
      return withRequestTimeout(scala.concurrent.duration.Duration.fromNanos(settings.uploadTimeout().toNanos()), () -> onSuccess(stored, route -> route));
    });
  }

  private CompletionStage<Boolean> known(String deviceId) {
    return fleet.device(deviceId).thenApply(StatusReply::isSuccess);
  }

  private CompletionStage<Route> store(String deviceId, String clipId, HttpEntity entity, ContentType type) {
    String key = ClipStore.keyFor(deviceId, clipId, Instant.now());
    AtomicLong received = new AtomicLong();
    return entity.withSizeLimit(settings.maxBytes()).getDataBytes()
        .idleTimeout(settings.uploadIdleTimeout())
        .map(bytes -> {
          received.addAndGet(bytes.size());
          return bytes;
        })
        .runWith(clips.store().upload(key, type), fleet.system())
        .whenComplete((uploaded, failure) -> {
          if (failure == null) clips.store().uploadSucceeded();
          // The client's doing (too large, stalled), not S3's: the clip store's breaker does not count it.
          else if (!causedBy(failure, EntityStreamSizeException.class) && !causedBy(failure, StreamIdleTimeoutException.class)) {
            clips.store().uploadFailed();
          }
        })
        .thenCompose(uploaded -> clips.check(clipId, key, received.get(), CHECK_PATIENCE))
        .thenCompose(checked -> checked.isPresent()
            ? tellStored(deviceId, checked.get())
            : CompletableFuture.completedFuture(HttpApi.error(StatusCodes.BAD_GATEWAY, "clip not stored",
                "S3 does not show the uploaded clip with its size")))
        .exceptionally(failure -> failed(failure));
  }

  private CompletionStage<Route> tellStored(String deviceId, StoredClip clip) {
    return clips.stored(deviceId, clip).thenApply(answer -> {
      if (answer instanceof DeviceAnswer.Refused refused) return HttpApi.refused(refused.rejection());
      return complete(StatusCodes.CREATED, new ClipView(deviceId, clip.clipId(), clip.key(), clip.url(), clip.size(),
          clip.contentType(), clip.storedAt()), Json.marshaller());
    });
  }

  private Route failed(Throwable failure) {
    if (causedBy(failure, EntityStreamSizeException.class)) return tooLarge();
    if (causedBy(failure, StreamIdleTimeoutException.class)) {
      return HttpApi.error(StatusCodes.REQUEST_TIMEOUT, "upload stalled",
          "the upload sent nothing for " + settings.uploadIdleTimeout().toSeconds() + " s; upload the clip again");
    }
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    return respondWithHeader(RetryAfter.create(5L), () -> HttpApi.error(StatusCodes.SERVICE_UNAVAILABLE, "clip store unavailable",
        "the clip could not be stored (" + cause.getClass().getSimpleName() + "); upload it again"));
  }

  private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) return true;
    }
    return false;
  }

  private Route tooLarge() {
    return HttpApi.error(StatusCodes.PAYLOAD_TOO_LARGE, "clip too large", "at most " + settings.maxBytes() + " bytes");
  }

  private Route unknown(String deviceId) {
    return HttpApi.error(StatusCodes.NOT_FOUND, "unknown device", "no device '" + deviceId + "'");
  }
}
