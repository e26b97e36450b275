package io.fleet.agent.edge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's bounded on-disk queue of motion events and their clips, delivered oldest first. An entry is
 * {@code <seq>.json} (the event; whether its clip is still to come; the clip id once uploaded) and maybe
 * {@code <seq>.mp4}. Each change is written to a new file and moved into place atomically, so a crash or
 * power loss leaves every entry whole and a restarted agent delivers what was left, in order.
 *
 * <p>Clips are bounded to {@code maxClipBytes} in all: one more drops the oldest clips (logged and counted)
 * until they fit, never an event — that event then goes without its clip. Thread-safe.
 */
public final class Outbox {
  private static final Logger log = LoggerFactory.getLogger(Outbox.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path directory;
  private final long maxClipBytes;
  private final TreeMap<Long, ObjectNode> entries = new TreeMap<>();
  private final AtomicLong droppedClips = new AtomicLong();
  private long nextSeq = 1;

  /** One entry as the delivery loop sees it. */
  public record Entry(long seq, ObjectNode event, Optional<Path> clip, boolean ready, String clipId, String clipUrl) {}

  public Outbox(Path directory, long maxClipBytes) {
    this.directory = directory;
    this.maxClipBytes = maxClipBytes;
    try {
      Files.createDirectories(directory);
      try (Stream<Path> files = Files.list(directory)) {
        files.filter(p -> p.getFileName().toString().matches("\\d+\\.json")).forEach(p -> {
          long seq = Long.parseLong(p.getFileName().toString().replace(".json", ""));
          entries.put(seq, read(p));
        });
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the outbox in " + directory, e);
    }
    if (!entries.isEmpty()) nextSeq = entries.lastKey() + 1;
  }

  /** Queues an event; {@code clipToCome}: it waits for {@link #attachClip} (or {@link #noClip}) before delivery. */
  public synchronized long add(ObjectNode event, boolean clipToCome) {
    long seq = nextSeq++;
    ObjectNode entry = JSON.createObjectNode();
    entry.set("event", event);
    entry.put("ready", !clipToCome);
    write(seq, entry);
    notifyAll();
    return seq;
  }

  /** The event's clip is recorded: moved into the outbox; the oldest clips go if the bound is passed. */
  public synchronized void attachClip(long seq, Path clip) {
    ObjectNode entry = entries.get(seq);
    if (entry == null) return;
    try {
      Files.move(clip, clipPath(seq), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      log.warn("clip of event {} could not be queued ({}); the event goes without it", seq, e.toString());
      noClip(seq);
      return;
    }
    entry.put("ready", true);
    entry.put("hasClip", true);
    write(seq, entry);
    enforceBound(seq);
    notifyAll();
  }

  /** The event's clip failed: it goes without one. */
  public synchronized void noClip(long seq) {
    ObjectNode entry = entries.get(seq);
    if (entry == null) return;
    entry.put("ready", true);
    write(seq, entry);
    notifyAll();
  }

  /** The oldest entry, waiting up to {@code millis} for one to exist. */
  public synchronized Optional<Entry> oldest(long millis) throws InterruptedException {
    if (entries.isEmpty()) wait(millis);
    if (entries.isEmpty()) return Optional.empty();
    long seq = entries.firstKey();
    ObjectNode e = entries.get(seq);
    Path clip = clipPath(seq);
    return Optional.of(new Entry(seq, (ObjectNode) e.get("event").deepCopy(),
        e.path("hasClip").asBoolean() && Files.exists(clip) ? Optional.of(clip) : Optional.empty(),
        e.path("ready").asBoolean(), e.hasNonNull("clipId") ? e.get("clipId").asText() : null,
        e.hasNonNull("clipUrl") ? e.get("clipUrl").asText() : null));
  }

  /** The clip is in S3 under {@code clipId}: it need not be uploaded again, nor kept. */
  public synchronized void clipUploaded(long seq, String clipId) {
    clipUploaded(seq, clipId, null);
  }

  /** The same, with the clip's URL in the bucket (what a Kafka-speaking device names in its event). */
  public synchronized void clipUploaded(long seq, String clipId, String clipUrl) {
    ObjectNode entry = entries.get(seq);
    if (entry == null) return;
    entry.put("clipId", clipId);
    if (clipUrl != null) entry.put("clipUrl", clipUrl);
    write(seq, entry);
    deleteQuietly(clipPath(seq));
  }

  /** Delivered: gone from the outbox. */
  public synchronized void remove(long seq) {
    entries.remove(seq);
    deleteQuietly(clipPath(seq));
    deleteQuietly(directory.resolve(seq + ".json"));
  }

  public synchronized int size() {
    return entries.size();
  }

  public long droppedClips() {
    return droppedClips.get();
  }

  /** Drops clips, oldest first, until they fit (an upload under way then fails and its event goes without). */
  private void enforceBound(long keep) {
    long total = 0;
    for (long seq : entries.keySet()) total += sizeOf(clipPath(seq));
    for (long seq : entries.keySet()) {
      if (total <= maxClipBytes) break;
      Path clip = clipPath(seq);
      long size = sizeOf(clip);
      if (size == 0) continue;
      deleteQuietly(clip);
      ObjectNode entry = entries.get(seq);
      entry.put("hasClip", false);
      entry.put("droppedClip", true);
      write(seq, entry);
      total -= size;
      droppedClips.incrementAndGet();
      log.warn("outbox full ({} bytes of clips allowed): dropped the clip of event {} ({}); the event stays",
          maxClipBytes, entry.get("event").path("event_id").asText(), size);
    }
  }

  private Path clipPath(long seq) {
    return directory.resolve(seq + ".mp4");
  }

  private void write(long seq, ObjectNode entry) {
    entries.put(seq, entry);
    Path file = directory.resolve(seq + ".json");
    Path tmp = directory.resolve(seq + ".json.tmp");
    try {
      Files.write(tmp, JSON.writeValueAsBytes(entry));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write outbox entry " + file, e);
    }
  }

  private static ObjectNode read(Path file) {
    try {
      return (ObjectNode) JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("outbox entry " + file + " is unreadable", e);
    }
  }

  private static long sizeOf(Path p) {
    try {
      return Files.exists(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      log.warn("could not delete {}: {}", p, e.toString());
    }
  }
}
