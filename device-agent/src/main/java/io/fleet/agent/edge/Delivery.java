package io.fleet.agent.edge;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's delivery loop for motion events: the oldest in the {@link Outbox} goes out, its clip into S3 first,
 * then the event naming it; whatever is unreachable (5xx, refused connections, timeouts) is tried again with
 * backoff. A clip Fleet or S3 refuses for good ({@link ClipUpload.Refused}: 401, 404, 413, ...) is lost — logged,
 * counted — and its event goes without it, so it never holds up the events behind it.
 *
 * <p>Owns two counters and nothing else: an event leaves the outbox only once published, a clip's id and a lost
 * clip are written to it before the event goes, so after a crash the loop goes on where it was (an event may then
 * be published twice, never lost).
 */
final class Delivery implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Delivery.class);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  private final Outbox outbox;
  private final ClipUpload upload;
  private final MotionPublisher publisher;
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong lostClips = new AtomicLong();
  private volatile boolean running = true;

  Delivery(Outbox outbox, ClipUpload upload, MotionPublisher publisher) {
    this.outbox = outbox;
    this.upload = upload;
    this.publisher = publisher;
  }

  /** Events published. */
  long delivered() {
    return delivered.get();
  }

  /** Clips refused for good, whose events went without them. */
  long lostClips() {
    return lostClips.get();
  }

  /** Ends the loop after the current attempt (interrupt its thread to end a wait at once). */
  void stop() {
    running = false;
  }

  @Override
  public void run() {
    Duration backoff = FIRST_BACKOFF;
    while (running) {
      try {
        if (deliverOldest(500)) backoff = FIRST_BACKOFF;
      } catch (InterruptedException interrupted) {
        return;
      } catch (Exception failed) {
        log.info("delivery waits {} ms: {}", backoff.toMillis(), failed.toString());
        try {
          Thread.sleep(backoff.toMillis());
        } catch (InterruptedException interrupted) {
          return;
        }
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }
  }

  /**
   * One attempt at the oldest event, waiting up to {@code millis} for one: true if it went out, false if there was
   * none or it still waits for its clip; throws if something on the way is unreachable (the event stays queued).
   */
  boolean deliverOldest(long millis) throws Exception {
    Optional<Outbox.Entry> next = outbox.oldest(millis);
    if (next.isEmpty()) return false;
    Outbox.Entry e = next.get();
    if (!e.ready()) {
      // Its clip is still being encoded; the events behind it keep their order.
      Thread.sleep(100);
      return false;
    }
    ClipUpload.Stored clip = e.clipId() == null ? null : new ClipUpload.Stored(e.clipId(), e.clipUrl());
    if (clip == null && e.clip().isPresent()) clip = uploadClip(e);
    publisher.publish(e.event(), clip);
    outbox.remove(e.seq());
    delivered.incrementAndGet();
    return true;
  }

  /** The stored clip, or null if it was refused for good; throws if Fleet or S3 cannot take it now. */
  private ClipUpload.Stored uploadClip(Outbox.Entry e) throws Exception {
    try {
      ClipUpload.Stored clip = upload.upload(e.clip().get());
      outbox.clipUploaded(e.seq(), clip.clipId(), clip.url());
      return clip;
    } catch (ClipUpload.Refused refused) {
      lostClips.incrementAndGet();
      log.warn("clip of event {} refused for good (HTTP {}): the event goes without it; {}",
          e.event().path("event_id").asText(), refused.status(), refused.getMessage());
      outbox.clipLost(e.seq());
      return null;
    }
  }
}
