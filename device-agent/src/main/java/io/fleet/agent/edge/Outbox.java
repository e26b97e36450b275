package io.fleet.agent.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's bounded on-disk queue of motion events (with their clips) and of heartbeats the broker could not take,
 * each kind delivered oldest first. It owns the entries, in memory and as {@code <seq>.json} (the event; its kind;
 * whether its clip is still to come; the clip id once uploaded) with maybe {@code <seq>.mp4}, written by
 * {@link OutboxFiles}: every change is on disk (forced) before the call returns, so an event counts as queued only
 * once a crash or power loss can no longer take it, and a restarted agent delivers what was left, in order. A file
 * it cannot read at start is set aside and counted; the outbox starts with the rest.
 *
 * <p>Bounded twice. Clips to {@code maxClipBytes} in all: one more drops the oldest clips (logged, counted) until
 * they fit — that event then goes without its clip. Entries to {@code maxEvents}: one more drops the oldest
 * heartbeat; with none queued a new heartbeat is not kept, and a new motion event drops the oldest motion event
 * (each counted by kind). An entry already on its way out when dropped may still be delivered. Thread-safe.
 *
 * <p>A disk that cannot take a write (full: "No space left on device") refuses nothing. A clip it cannot take is
 * not stored and its event goes without it; an entry it cannot write is queued and delivered all the same, held in
 * memory only — a crash before the disk has room loses it — and written as soon as a write succeeds again or a
 * delivered entry freed room. Each failure is logged and counted; {@link #diskFull} says whether the last write
 * failed. Nothing has to be restarted when the disk has room again: the next clip is stored.
 *
 * <p>An event whose clip was still being recorded when the agent stopped finds no clip at the next start: it goes
 * without one, so it does not hold up the events behind it.
 */
public final class Outbox {
  /** Entries kept by default: a day of heartbeats every 10 s is 8,640. */
  public static final int DEFAULT_MAX_EVENTS = 10_000;
  private static final Logger log = LoggerFactory.getLogger(Outbox.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What an entry is: they go out on their own topics, so one kind never waits for the other. */
  public enum Kind {
    MOTION, HEARTBEAT;

    /** The kind an entry names; one written before heartbeats were queued names none and is a motion event. */
    static Optional<Kind> of(JsonNode entry) {
      JsonNode kind = entry.get("kind");
      if (kind == null) return Optional.of(MOTION);
      for (Kind k : values()) if (k.wire().equals(kind.asText())) return Optional.of(k);
      return Optional.empty();
    }

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One entry as the delivery loop sees it. */
  public record Entry(long seq, ObjectNode event, Optional<Path> clip, boolean ready, String clipId, String clipUrl) {}

  private final OutboxFiles files;
  private final long maxClipBytes;
  private final int maxEvents;
  private final TreeMap<Long, ObjectNode> motion = new TreeMap<>();
  private final TreeMap<Long, ObjectNode> heartbeats = new TreeMap<>();
  private final AtomicLong droppedClips = new AtomicLong();
  private final AtomicLong droppedHeartbeats = new AtomicLong();
  private final AtomicLong droppedMotionEvents = new AtomicLong();
  /** Entries whose latest version the disk could not take: they live in memory only until a write succeeds. */
  private final TreeSet<Long> unsaved = new TreeSet<>();
  private final AtomicLong failedWrites = new AtomicLong();
  private final AtomicLong clipsNotStored = new AtomicLong();
  private final int corruptFiles;
  private volatile boolean diskFull;
  private long nextSeq;

  public Outbox(Path directory, long maxClipBytes) {
    this(directory, maxClipBytes, DEFAULT_MAX_EVENTS);
  }

  public Outbox(Path directory, long maxClipBytes, int maxEvents) {
    this(directory, maxClipBytes, maxEvents, OutboxFiles.Sync.FORCE);
  }

  Outbox(Path directory, long maxClipBytes, int maxEvents, OutboxFiles.Sync sync) {
    if (maxEvents < 1) throw new IllegalArgumentException("the outbox must hold at least one event: " + maxEvents);
    this.files = new OutboxFiles(directory, sync);
    this.maxClipBytes = maxClipBytes;
    this.maxEvents = maxEvents;
    OutboxFiles.Loaded loaded = files.load();
    loaded.entries().forEach((seq, entry) -> mapOf(Kind.of(entry).orElseThrow()).put(seq, entry));
    this.corruptFiles = loaded.setAside();
    this.nextSeq = loaded.lastSeq() + 1;
    motion.forEach((seq, entry) -> {
      if (entry.path("ready").asBoolean()) return;
      log.info("event {} was waiting for its clip when the agent stopped: it goes without one", eventId(entry));
      files.delete(files.clipPath(seq));
      entry.put("ready", true);
      save(seq, entry);
    });
  }

  /**
   * Queues a motion event; {@code clipToCome}: it waits for {@link #attachClip} (or {@link #noClip}) before
   * delivery.
   */
  public synchronized long add(ObjectNode event, boolean clipToCome) {
    makeRoom(Kind.MOTION);
    return put(Kind.MOTION, event, !clipToCome);
  }

  /** Queues a heartbeat the broker could not take now; false if the outbox is full of motion events. */
  public synchronized boolean addHeartbeat(ObjectNode heartbeat) {
    if (!makeRoom(Kind.HEARTBEAT)) return false;
    put(Kind.HEARTBEAT, heartbeat, true);
    return true;
  }

  /** The event's clip is recorded: moved into the outbox; the oldest clips go if the bound is passed. */
  public synchronized void attachClip(long seq, Path clip) {
    ObjectNode entry = motion.get(seq);
    if (entry == null) {
      // The event gave way to newer ones: its clip would be left behind in the encoder's directory.
      files.delete(clip);
      return;
    }
    try {
      files.takeClip(clip, seq);
    } catch (IOException e) {
      clipsNotStored.incrementAndGet();
      failedWrite("the clip of event " + eventId(entry) + " is not stored; the event goes without it", e);
      noClip(seq);
      return;
    }
    entry.put("ready", true);
    entry.put("hasClip", true);
    save(seq, entry);
    enforceClipBound();
    notifyAll();
  }

  /** The event's clip failed: it goes without one. */
  public synchronized void noClip(long seq) {
    ObjectNode entry = motion.get(seq);
    if (entry == null) return;
    entry.put("ready", true);
    save(seq, entry);
    notifyAll();
  }

  /** The oldest motion event, waiting up to {@code millis} for one to exist. */
  public synchronized Optional<Entry> oldest(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    for (long left = millis; motion.isEmpty() && left > 0; left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
      wait(left);
    }
    return motion.isEmpty() ? Optional.empty() : Optional.of(entry(motion.firstEntry()));
  }

  /** The oldest heartbeat kept while the broker was away, if any. */
  public synchronized Optional<Entry> oldestHeartbeat() {
    return heartbeats.isEmpty() ? Optional.empty() : Optional.of(entry(heartbeats.firstEntry()));
  }

  /** The clip is in S3 under {@code clipId}: it need not be uploaded again, nor kept. */
  public synchronized void clipUploaded(long seq, String clipId) {
    clipUploaded(seq, clipId, null);
  }

  /** The same, with the clip's URL in the bucket (what a Kafka-speaking device names in its event). */
  public synchronized void clipUploaded(long seq, String clipId, String clipUrl) {
    ObjectNode entry = motion.get(seq);
    if (entry == null) return;
    entry.put("clipId", clipId);
    if (clipUrl != null) entry.put("clipUrl", clipUrl);
    save(seq, entry);
    files.delete(files.clipPath(seq));
  }

  /** Fleet or S3 refused the clip for good: the event goes without it, also after a restart. */
  public synchronized void clipLost(long seq) {
    ObjectNode entry = motion.get(seq);
    if (entry == null) return;
    entry.put("hasClip", false);
    entry.put("lostClip", true);
    save(seq, entry);
    files.delete(files.clipPath(seq));
  }

  /** Delivered: gone from the outbox. */
  public synchronized void remove(long seq) {
    motion.remove(seq);
    heartbeats.remove(seq);
    unsaved.remove(seq);
    files.delete(files.clipPath(seq));
    files.delete(files.entryPath(seq));
    // Room was made: entries held in memory only try the disk again.
    saveUnsaved();
  }

  /** Entries of both kinds. */
  public synchronized int size() {
    return motion.size() + heartbeats.size();
  }

  public synchronized int size(Kind kind) {
    return mapOf(kind).size();
  }

  public long droppedClips() {
    return droppedClips.get();
  }

  /** Heartbeats that gave way to newer entries, or found the outbox full of motion events. */
  public long droppedHeartbeats() {
    return droppedHeartbeats.get();
  }

  /** Motion events that gave way to newer ones when the outbox held nothing but motion events. */
  public long droppedMotionEvents() {
    return droppedMotionEvents.get();
  }

  /** Whether the last write into the outbox failed (its disk full, most likely) and none has succeeded since. */
  public boolean diskFull() {
    return diskFull;
  }

  /** Writes of entries and clips the outbox's disk refused. */
  public long failedWrites() {
    return failedWrites.get();
  }

  /** Clips the outbox's disk could not take: their events went without them. */
  public long clipsNotStored() {
    return clipsNotStored.get();
  }

  /** Entries queued in memory only, because the disk could not take them: a crash would lose these. */
  public synchronized int unsaved() {
    return unsaved.size();
  }

  /** Files set aside at start because they could not be read. */
  public int corruptFiles() {
    return corruptFiles;
  }

  private long put(Kind kind, ObjectNode event, boolean ready) {
    long seq = nextSeq++;
    ObjectNode entry = JSON.createObjectNode();
    entry.put("kind", kind.wire());
    entry.set("event", event);
    entry.put("ready", ready);
    mapOf(kind).put(seq, entry);
    save(seq, entry);
    notifyAll();
    return seq;
  }

  /**
   * Makes room for one more entry of {@code kind}: heartbeats give way first; false if a heartbeat must not be
   * kept.
   */
  private boolean makeRoom(Kind kind) {
    while (size() >= maxEvents) {
      if (!heartbeats.isEmpty()) {
        long seq = heartbeats.firstKey();
        remove(seq);
        droppedHeartbeats.incrementAndGet();
        // At debug: in a long outage one gives way every interval; the counter says how many.
        log.debug("outbox full ({} entries): dropped the heartbeat queued as {}", maxEvents, seq);
      } else if (kind == Kind.HEARTBEAT) {
        droppedHeartbeats.incrementAndGet();
        log.debug("outbox full of motion events ({}): a heartbeat is not kept", maxEvents);
        return false;
      } else {
        Map.Entry<Long, ObjectNode> oldest = motion.firstEntry();
        remove(oldest.getKey());
        droppedMotionEvents.incrementAndGet();
        log.warn("outbox full of motion events ({}): dropped the oldest, {}", maxEvents, eventId(oldest.getValue()));
      }
    }
    return true;
  }

  /** Drops clips, oldest first, until they fit (an upload under way then fails and its event goes without). */
  private void enforceClipBound() {
    long total = 0;
    for (long seq : motion.keySet()) total += files.sizeOf(files.clipPath(seq));
    for (long seq : motion.keySet()) {
      if (total <= maxClipBytes) break;
      Path clip = files.clipPath(seq);
      long size = files.sizeOf(clip);
      if (size == 0) continue;
      files.delete(clip);
      ObjectNode entry = motion.get(seq);
      entry.put("hasClip", false);
      entry.put("droppedClip", true);
      save(seq, entry);
      total -= size;
      droppedClips.incrementAndGet();
      log.warn("outbox full ({} bytes of clips allowed): dropped the clip of event {} ({}); the event stays",
          maxClipBytes, eventId(entry), size);
    }
  }

  /** Writes the entry; one the disk cannot take stays queued in memory only (see the class comment). */
  private void save(long seq, ObjectNode entry) {
    try {
      files.write(seq, entry);
    } catch (UncheckedIOException e) {
      unsaved.add(seq);
      failedWrite("event " + eventId(entry) + " stays queued in memory only (a crash before the disk has room loses it)",
          e.getCause());
      return;
    }
    unsaved.remove(seq);
    roomAgain();
    saveUnsaved();
  }

  /** Writes the entries held in memory only, oldest first, until the disk refuses one. */
  private void saveUnsaved() {
    for (Iterator<Long> it = unsaved.iterator(); it.hasNext(); ) {
      long seq = it.next();
      ObjectNode entry = motion.containsKey(seq) ? motion.get(seq) : heartbeats.get(seq);
      if (entry != null) {
        try {
          files.write(seq, entry);
        } catch (UncheckedIOException stillFull) {
          return;
        }
        roomAgain();
      }
      it.remove();
    }
  }

  private void failedWrite(String consequence, IOException e) {
    failedWrites.incrementAndGet();
    diskFull = true;
    log.warn("outbox disk refused a write ({}): {}", e.getMessage(), consequence);
  }

  private void roomAgain() {
    if (!diskFull) return;
    diskFull = false;
    log.info("outbox disk takes writes again ({} entries held in memory only are written now)", unsaved.size());
  }

  private static String eventId(ObjectNode entry) {
    JsonNode event = entry.path("event");
    return event.has("event_id") ? event.get("event_id").asText() : "(" + entry.path("kind").asText("motion") + ")";
  }

  private Entry entry(Map.Entry<Long, ObjectNode> found) {
    long seq = found.getKey();
    ObjectNode e = found.getValue();
    Path clip = files.clipPath(seq);
    return new Entry(seq, e.get("event").deepCopy(),
        e.path("hasClip").asBoolean() && Files.exists(clip) ? Optional.of(clip) : Optional.empty(),
        e.path("ready").asBoolean(), e.hasNonNull("clipId") ? e.get("clipId").asText() : null,
        e.hasNonNull("clipUrl") ? e.get("clipUrl").asText() : null);
  }

  private TreeMap<Long, ObjectNode> mapOf(Kind kind) {
    return kind == Kind.MOTION ? motion : heartbeats;
  }
}
