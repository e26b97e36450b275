package io.fleet.media;

import io.fleet.infra.PeriodicSweep;
import io.fleet.metrics.FleetMetrics;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Aborts clip uploads that never completed. At start the node asks the bucket to do it itself
 * ({@link IncompleteUploads#ensureAbortRule}; not the embedded S3, which cannot); when the bucket will, the sweeps do
 * nothing. Otherwise (S3Proxy, MinIO, a bucket with rules of its own), every
 * {@code fleet.clips.incomplete-uploads.sweep-interval} one sweeper per cluster ({@link PeriodicSweep}) lists
 * the incomplete uploads and aborts those begun longer ago than {@code abort-after}. Counted in
 * {@code fleet_clip_uploads_aborted_total} and {@code fleet_clip_upload_sweeps_total{outcome}}.
 *
 * <p>State: none of its own. The uploads are listed from S3 at every sweep, so a sweep cut short by a crash or
 * a move of the singleton is finished by the next; a restarted node asks for the lifecycle rule again.
 */
public final class UploadSweeper {
  private static final Logger log = LoggerFactory.getLogger(UploadSweeper.class);
  private static final int ABORTS_AT_ONCE = 4;

  private final ActorSystem<?> system;
  private final IncompleteUploads uploads;
  private final IncompleteUploadSettings settings;
  private final Clock clock = Clock.systemUTC();

  private UploadSweeper(ActorSystem<?> system, IncompleteUploads uploads, IncompleteUploadSettings settings) {
    this.system = system;
    this.uploads = uploads;
    this.settings = settings;
  }

  /**
   * Asks for the lifecycle rule (when {@code lifecycle-rule} is on and the S3 is not the embedded one, S3Proxy, which
   * has no lifecycle rules and logs an error for the question) and registers the sweeping singleton.
   */
  public static void start(ActorSystem<?> system, IncompleteUploads uploads, IncompleteUploadSettings settings,
      boolean embeddedS3) {
    UploadSweeper sweeper = new UploadSweeper(system, uploads, settings);
    if (settings.lifecycleRule() && embeddedS3) {
      log.info("incomplete clip uploads: the embedded S3 keeps no lifecycle rules; swept every {}",
          settings.sweepInterval());
    }
    boolean askBucket = settings.lifecycleRule() && !embeddedS3;
    CompletionStage<Boolean> bucketAborts = askBucket
        ? uploads.ensureAbortRule(settings.lifecycleDays()).handle(sweeper::bucketAborts)
        : CompletableFuture.completedFuture(false);
    FleetMetrics metrics = FleetMetrics.get(system);
    PeriodicSweep.start(system, "upload-sweeper", settings.sweepInterval(),
        () -> bucketAborts.thenCompose(aborts -> aborts ? CompletableFuture.completedFuture(0L) : sweeper.sweep()),
        (aborted, failure) -> {
          if (failure != null) {
            metrics.uploadSwept("failed");
            log.warn("sweep of incomplete clip uploads failed; the next one tries again: {}", failure.toString());
          } else {
            metrics.uploadSwept("ok");
            metrics.incompleteUploadsAborted(aborted);
            if (aborted > 0) log.info("aborted {} clip uploads begun more than {} ago", aborted, settings.abortAfter());
          }
        });
  }

  private boolean bucketAborts(IncompleteUploads.AbortRule rule, Throwable failure) {
    if (failure == null && rule.inPlace()) {
      log.info("incomplete clip uploads: {}", rule.detail());
      return true;
    }
    log.info("incomplete clip uploads: no lifecycle rule ({}); swept every {} instead",
        failure != null ? failure.toString() : rule.detail(), settings.sweepInterval());
    return false;
  }

  /** Aborts the uploads begun longer ago than {@code abort-after}; answers how many. */
  private CompletionStage<Long> sweep() {
    Instant before = clock.instant().minus(settings.abortAfter());
    return uploads.list().thenCompose(all -> {
      List<IncompleteUploads.Upload> stale = all.stream().filter(u -> !u.startedAt().isAfter(before)).toList();
      return Source.from(stale)
          .mapAsyncUnordered(ABORTS_AT_ONCE, uploads::abort)
          .runWith(Sink.ignore(), system)
          .thenApply(done -> (long) stale.size());
    });
  }
}
