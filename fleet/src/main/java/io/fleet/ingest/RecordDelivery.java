package io.fleet.ingest;

import io.fleet.device.Device;
import io.fleet.device.DeviceAnswer;
import io.fleet.device.DeviceAsks;
import io.fleet.device.Heartbeat;
import io.fleet.device.MotionReport;
import io.fleet.device.SteadyHeartbeats;
import io.fleet.device.StoredClip;
import io.fleet.device.Telemetry;
import io.fleet.infra.IngestHeaders;
import io.fleet.ingest.OwnTracksMessages.OwnTracks;
import io.fleet.media.ClipCheckRequeue;
import io.fleet.media.ClipGateway;
import io.fleet.media.ClipStore;
import io.fleet.metrics.FleetMetrics;
import io.fleet.protocol.DeviceId;
import io.fleet.protocol.DeviceTopic;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one record of a device topic into a command for its device (through the {@link ClipGateway} for a
 * motion report), or into a dead letter with the reason. Whatever goes wrong with a record in Fleet
 * itself is dead-lettered at that record ({@code processing-failed}), so no record stops those behind it.
 * Holds no state of its own.
 */
final class RecordDelivery {
  private static final Logger log = LoggerFactory.getLogger(RecordDelivery.class);
  /** How long a record may wait for S3 to check its clip before it is put back on its topic. */
  static final Duration REQUEUE_AFTER = Duration.ofSeconds(5);
  /**
   * A clip whose report was told without it because S3 kept failing is looked for this many clip-check
   * patiences (an hour by default): long enough for S3 to come back and the alert to get its clip.
   */
  static final int UNCHECKED_WATCH_FACTOR = 6;
  private final ActorSystem<?> system;
  private final IngestSettings settings;
  private final DeviceAsks devices;
  private final DeadLetters deadLetters;
  private final FleetMetrics metrics;
  private final ClipGateway clips;
  private final Optional<ClipCheckRequeue> requeue;
  private final SteadyHeartbeats steady;

  /** {@code requeue}: where reports wait while S3 fails; without one they are held (the pressure reaches Kafka). */
  RecordDelivery(ActorSystem<?> system, IngestSettings settings, DeadLetters deadLetters, ClipGateway clips,
      Optional<ClipCheckRequeue> requeue) {
    this.requeue = requeue;
    this.system = system;
    this.settings = settings;
    this.deadLetters = deadLetters;
    this.metrics = FleetMetrics.get(system);
    this.clips = clips;
    this.devices = DeviceAsks.patient(system, settings.askTimeout(), settings.entityAttempts());
    this.steady = SteadyHeartbeats.get(system);
  }

  /**
   * Delivers one record; whatever goes wrong with it in Fleet itself (a defect, input no check
   * foresaw) dead-letters that record ({@code processing-failed}, its bytes kept) instead of failing
   * the stream, so one record can never stop the records behind it.
   */
  CompletionStage<Done> deliver(ConsumerRecord<String, byte[]> record) {
    return guarded(record, this::handle);
  }

  /**
   * A heartbeat's record handled before, read again to catch up ({@link VitalsCatchUp}): handed to its entity as
   * {@link Device.RecoverVitals}; what cannot be read or taken is passed over (it was dead-lettered the first time).
   */
  CompletionStage<Done> catchUp(ConsumerRecord<String, byte[]> record) {
    if (!DeviceId.isValid(record.key()) || record.value() == null || record.value().length > settings.maxPayloadBytes()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    if (!(DeviceMessages.heartbeat(record.value(), IngestHeaders.receivedAt(record)) instanceof Parsed.Ok<Heartbeat> hb)
        || settings.tooFarAhead(hb.value().ts(), hb.value().receivedAt())) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return devices.tell(record.key(), replyTo -> new Device.RecoverVitals(hb.value(), replyTo))
        .handle((answer, failure) -> {
          if (failure != null) log.debug("catch-up heartbeat {} not taken: {}", sourceOf(record), failure.toString());
          return Done.getInstance();
        });
  }

  /** {@code handle}s the record; a failure of it dead-letters the record ({@code processing-failed}) instead. */
  CompletionStage<Done> guarded(ConsumerRecord<String, byte[]> record,
      java.util.function.Function<ConsumerRecord<String, byte[]>, CompletionStage<Done>> handle) {
    CompletionStage<Done> handled;
    try {
      handled = handle.apply(record);
    } catch (RuntimeException e) {
      handled = CompletableFuture.failedFuture(e);
    }
    return handled.exceptionallyCompose(failure -> {
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      log.error("record {} failed in Fleet; dead-lettered", sourceOf(record), cause);
      return reject(record, DeadLetter.Reason.PROCESSING_FAILED, cause.toString(), sourceOf(record), IngestHeaders.receivedAt(record));
    });
  }

  static String sourceOf(ConsumerRecord<String, byte[]> record) {
    return "kafka:" + record.topic() + "/" + record.partition() + "/" + record.offset();
  }

  /** Why a device time cannot be taken: further ahead of Fleet's clock than the allowed skew. */
  Optional<String> clockSkew(Instant deviceTime, Instant receivedAt) {
    if (!settings.tooFarAhead(deviceTime, receivedAt)) return Optional.empty();
    return Optional.of("device time " + deviceTime + " is " + Duration.between(receivedAt, deviceTime).toSeconds()
        + " s ahead of Fleet's (" + receivedAt + "); at most " + settings.maxClockSkew().toSeconds() + " s allowed");
  }

  /** Asks the device, unless its time is too far ahead. */
  private CompletionStage<Done> askInTime(String deviceId, Instant deviceTime,
      Function<ActorRef<StatusReply<Done>>, Device.Command> command, ConsumerRecord<String, byte[]> record,
      String source, Instant receivedAt) {
    Optional<String> skew = clockSkew(deviceTime, receivedAt);
    if (skew.isPresent()) return reject(record, DeadLetter.Reason.CLOCK_SKEW, skew.get(), source, receivedAt);
    return ask(deviceId, command, record, source, receivedAt);
  }

  private CompletionStage<Done> handle(ConsumerRecord<String, byte[]> record) {
    String source = sourceOf(record);
    Instant receivedAt = IngestHeaders.receivedAt(record);
    Optional<DeviceTopic.Kind> kind =
        IngestHeaders.get(record.headers(), IngestHeaders.KIND).flatMap(DeviceTopic.Kind::fromLabel);
    metrics.messageIn(record.topic() + ":" + kind.map(DeviceTopic.Kind::label).orElse("unknown"));
    byte[] payload = record.value() == null ? new byte[0] : record.value();
    String deviceId = record.key();
    if (!DeviceId.isValid(deviceId)) {
      return reject(record, DeadLetter.Reason.INVALID_MESSAGE, "record key is not a valid device id", source, receivedAt);
    }
    if (kind.isEmpty()) {
      return reject(record, DeadLetter.Reason.INVALID_MESSAGE,
          "header " + IngestHeaders.KIND + " missing or unknown", source, receivedAt);
    }
    if (payload.length > settings.maxPayloadBytes()) {
      return reject(record, DeadLetter.Reason.OVERSIZED,
          payload.length + " bytes exceeds the limit of " + settings.maxPayloadBytes(), source, receivedAt);
    }
    return switch (kind.get()) {
      case HEARTBEAT -> {
        Parsed<Heartbeat> heartbeat = DeviceMessages.heartbeat(payload, receivedAt);
        if (heartbeat instanceof Parsed.Rejected<Heartbeat> r) yield reject(record, r.reason(), r.detail(), source, receivedAt);
        Heartbeat hb = ((Parsed.Ok<Heartbeat>) heartbeat).value();
        // A heartbeat that changes nothing for an online device is taken without its entity (SteadyHeartbeats).
        if (!settings.tooFarAhead(hb.ts(), receivedAt) && steady.absorb(deviceId, hb)) {
          metrics.steadyHeartbeat();
          yield CompletableFuture.completedFuture(Done.getInstance());
        }
        yield askInTime(deviceId, hb.ts(), replyTo -> new Device.RecordHeartbeat(hb, replyTo), record, source, receivedAt);
      }
      case STATUS -> {
        // An empty retained message is how MQTT clears a retained status: nothing to tell the device.
        if (payload.length == 0) yield CompletableFuture.completedFuture(Done.getInstance());
        Parsed<Boolean> status = DeviceMessages.status(payload);
        if (status instanceof Parsed.Rejected<Boolean> r) yield reject(record, r.reason(), r.detail(), source, receivedAt);
        boolean online = ((Parsed.Ok<Boolean>) status).value();
        yield ask(deviceId, replyTo -> new Device.RecordStatus(online, receivedAt, replyTo), record, source, receivedAt);
      }
      case MOTION -> {
        Parsed<MotionReport> motion = MotionMessages.mqtt(payload, receivedAt);
        if (motion instanceof Parsed.Rejected<MotionReport> r) yield reject(record, r.reason(), r.detail(), source, receivedAt);
        MotionReport report = ((Parsed.Ok<MotionReport>) motion).value();
        Optional<String> skew = clockSkew(report.eventTime(), receivedAt);
        if (skew.isPresent()) yield reject(record, DeadLetter.Reason.CLOCK_SKEW, skew.get(), source, receivedAt);
        yield motion(deviceId, report, ClipStore.issuedKey(deviceId, report.clipId()), record, source, receivedAt);
      }
      case TELEMETRY -> {
        Parsed<Telemetry> telemetry = DeviceMessages.telemetry(payload, receivedAt);
        if (telemetry instanceof Parsed.Rejected<Telemetry> r) yield reject(record, r.reason(), r.detail(), source, receivedAt);
        Telemetry t = ((Parsed.Ok<Telemetry>) telemetry).value();
        yield askInTime(deviceId, t.ts(), replyTo -> new Device.RecordTelemetry(t, replyTo), record, source, receivedAt);
      }
      case LOCATION, TRANSITION, WAYPOINTS -> ownTracks(deviceId, payload, record, source, receivedAt);
      case COMMAND -> {
        // Commands are for the app, which reads them: the bridge drops them, and one found on Kafka is no news either.
        metrics.messageIgnored(OwnTracksMessages.IGNORED_COMMAND);
        yield CompletableFuture.completedFuture(Done.getInstance());
      }
    };
  }

  /** An OwnTracks message, on whichever of the app's topics: its {@code _type} says what it is. */
  private CompletionStage<Done> ownTracks(String deviceId, byte[] payload, ConsumerRecord<String, byte[]> record,
      String source, Instant receivedAt) {
    Parsed<OwnTracks> message = OwnTracksMessages.read(payload);
    if (message instanceof Parsed.Rejected<OwnTracks> r) return reject(record, r.reason(), r.detail(), source, receivedAt);
    OwnTracks m = ((Parsed.Ok<OwnTracks>) message).value();
    if (m instanceof OwnTracks.Location l) {
      return askInTime(deviceId, l.fix().tst(), replyTo -> new Device.RecordLocation(l.fix(), receivedAt, l.tid(), replyTo),
          record, source, receivedAt);
    }
    if (m instanceof OwnTracks.LastWill) {
      return ask(deviceId, replyTo -> new Device.RecordStatus(false, receivedAt, replyTo), record, source, receivedAt);
    }
    if (m instanceof OwnTracks.Transition t) {
      return askInTime(deviceId, t.transition().tst(),
          replyTo -> new Device.RecordTransition(t.transition(), receivedAt, t.tid(), replyTo), record, source, receivedAt);
    }
    if (m instanceof OwnTracks.Waypoints w) {
      return ask(deviceId, replyTo -> new Device.RecordRegions(w.regions(), w.whole(), receivedAt, replyTo),
          record, source, receivedAt);
    }
    // The app's other messages (its card, its status, …) mean nothing here: counted, not dead-lettered.
    metrics.messageIgnored(OwnTracksMessages.IGNORED_OTHER);
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  /**
   * Tells the device about a motion report. When {@code key} names the report's clip in Fleet's bucket
   * (an uploaded seed URL, a presigned upload), the clip is HEAD-checked first and, when found, told
   * together with the report (S3 first, {@link ClipGateway}). S3 errors are retried with
   * backoff: for {@link #REQUEUE_AFTER}, after which the record goes back on its topic (with a
   * {@link ClipCheckRequeue}), or for the clip-check patience holding the record: the pressure
   * reaches Kafka. A report that went back (S3 failed its check) and is older than the patience is
   * told without its clip: the homeowner hears of the motion (the alert marked unverified) while S3 is
   * still down, and the alert is updated when the clip can be checked.
   */
  CompletionStage<Done> motion(String deviceId, MotionReport report, Optional<String> key,
      ConsumerRecord<String, byte[]> record, String source, Instant receivedAt) {
    if (key.isEmpty()) return answered(clips.reportWithoutClip(deviceId, report), deviceId, record, source, receivedAt);
    // Only a report S3 already failed (put back at least once): an old one from a backlog is checked first.
    boolean failedBefore = IngestHeaders.get(record.headers(), IngestHeaders.REQUEUED).isPresent();
    if (requeue.isPresent() && failedBefore
        && Duration.between(receivedAt, Instant.now()).compareTo(settings.clipCheckPatience()) > 0) {
      metrics.motionToldWithoutClipCheck();
      log.warn("motion report {} of {} told without its clip: S3 could not check clip {} since {}",
          report.eventId(), deviceId, report.clipId(), receivedAt);
      return afterCheck(deviceId, report, key.get(), Optional.empty(), record, source, receivedAt,
          settings.clipCheckPatience().multipliedBy(UNCHECKED_WATCH_FACTOR));
    }
    CompletionStage<Optional<StoredClip>> checked = clips.check(report.clipId(), key.get(), -1,
        requeue.isPresent() ? REQUEUE_AFTER : settings.clipCheckPatience());
    if (requeue.isPresent()) {
      // S3 failing: the report goes back on its topic and the records behind it flow on.
      return checked.handle((found, error) -> error == null
              ? afterCheck(deviceId, report, key.get(), found, record, source, receivedAt, settings.clipCheckPatience())
              : requeue.get().requeue(record, error))
          .thenCompose(stage -> stage);
    }
    // Nowhere to put the report back: once S3 failed its check for the whole patience, it is told without its
    // clip (the alert unverified) and the clip is looked for a while longer, as for a requeued report.
    return checked.handle((found, error) -> {
          if (error == null) {
            return afterCheck(deviceId, report, key.get(), found, record, source, receivedAt, settings.clipCheckPatience());
          }
          metrics.motionToldWithoutClipCheck();
          log.warn("motion report {} of {} told without its clip: S3 could not check clip {}: {}",
              report.eventId(), deviceId, report.clipId(), error.toString());
          return afterCheck(deviceId, report, key.get(), Optional.empty(), record, source, receivedAt,
              settings.clipCheckPatience().multipliedBy(UNCHECKED_WATCH_FACTOR));
        })
        .thenCompose(stage -> stage);
  }

  private CompletionStage<Done> afterCheck(String deviceId, MotionReport report, String key, Optional<StoredClip> found,
      ConsumerRecord<String, byte[]> record, String source, Instant receivedAt, Duration lookFor) {
    return answered(clips.report(deviceId, report, found, Optional.of(key), lookFor), deviceId, record, source, receivedAt);
  }

  /** Whether the device is registered, asked until its entity answers. */
  CompletionStage<Boolean> registered(String deviceId) {
    return devices.registered(deviceId);
  }

  CompletionStage<Done> ask(
      String deviceId,
      Function<ActorRef<StatusReply<Done>>, Device.Command> command,
      ConsumerRecord<String, byte[]> record,
      String source,
      Instant receivedAt) {
    // Until the entity answered, the device's heartbeats go to it too, behind this message (SteadyHeartbeats).
    steady.sending(deviceId);
    CompletionStage<DeviceAnswer> told;
    try {
      told = devices.tell(deviceId, command);
    } catch (RuntimeException e) {
      steady.answered(deviceId);
      throw e;
    }
    told.whenComplete((answer, failure) -> steady.answered(deviceId));
    return answered(told, deviceId, record, source, receivedAt);
  }

  /** Done when the device took the command; a refusal or a device failing on it dead-letters the record. */
  private CompletionStage<Done> answered(CompletionStage<DeviceAnswer> told, String deviceId,
      ConsumerRecord<String, byte[]> record, String source, Instant receivedAt) {
    return told.thenComposeAsync(outcome -> {
      if (outcome instanceof DeviceAnswer.Refused refused) {
        return reject(record, DeadLetter.Reason.of(refused.rejection()), refused.rejection().detail(), source, receivedAt);
      }
      if (outcome instanceof DeviceAnswer.Failing failing) {
        return reject(record, DeadLetter.Reason.ENTITY_FAILED, failing.detail(), source, receivedAt);
      }
      return CompletableFuture.completedFuture(Done.getInstance());
    }, system.executionContext());
  }

  CompletionStage<Done> reject(
      ConsumerRecord<String, byte[]> record, DeadLetter.Reason reason, String detail, String source, Instant receivedAt) {
    byte[] payload = record.value() == null ? new byte[0] : record.value();
    String original = IngestHeaders.get(record.headers(), IngestHeaders.SOURCE).map(s -> s + " via " + source).orElse(source);
    return deadLetters.send(new DeadLetter(record.key(), reason, detail, original, payload, receivedAt))
        .thenApply(md -> Done.getInstance());
  }
}
