package io.fleet.agent.edge;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Outbox}'s files in its directory: {@code <seq>.json} per entry and {@code <seq>.mp4} per clip. Keeps no
 * state in memory. What it writes is on disk before it returns: an entry goes to a {@code .tmp} file that is forced
 * to disk, is renamed over the old version atomically, and the directory is forced so the rename survives a power
 * loss too. A crash therefore leaves the old or the new version of each entry, and at most a stray {@code .tmp},
 * removed at the next start. A file that cannot be read at start is set aside, not deleted: renamed
 * {@code <name>.corrupt-<time>}, with its clip, for someone to look at.
 */
final class OutboxFiles {
  private static final Logger log = LoggerFactory.getLogger(OutboxFiles.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

  /** How a written file is forced to disk; tests watch it. */
  interface Sync {
    Sync FORCE = (channel, file) -> channel.force(true);

    void force(FileChannel channel, Path file) throws IOException;
  }

  /** What a start found: the entries it could read, the highest sequence number seen, the files set aside. */
  record Loaded(TreeMap<Long, ObjectNode> entries, long lastSeq, int setAside) {}

  private final Path directory;
  private final Sync sync;

  OutboxFiles(Path directory, Sync sync) {
    this.directory = directory;
    this.sync = sync;
  }

  /** Reads every entry; never fails on a bad file (only on a directory it cannot create or list). */
  Loaded load() {
    TreeMap<Long, ObjectNode> entries = new TreeMap<>();
    long lastSeq = 0;
    int setAside = 0;
    try {
      Files.createDirectories(directory);
      List<Path> files;
      try (Stream<Path> listed = Files.list(directory)) {
        files = listed.sorted().toList();
      }
      for (Path file : files) {
        String name = file.getFileName().toString();
        // A crash during a write: the entry's previous version is still whole under its own name.
        if (name.endsWith(".json.tmp")) delete(file);
        if (!name.matches("\\d+\\.json")) continue;
        long seq = sequence(name);
        ObjectNode entry = seq < 0 ? null : readEntry(file);
        if (entry == null) {
          setAside(file, seq);
          setAside++;
          continue;
        }
        entries.put(seq, entry);
        lastSeq = Math.max(lastSeq, seq);
      }
      // Also past a file set aside: were its rename to fail, a new entry must not take its name.
      for (Path file : files) lastSeq = Math.max(lastSeq, sequence(file.getFileName().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the outbox in " + directory, e);
    }
    return new Loaded(entries, lastSeq, setAside);
  }

  /** Writes the entry durably (see the class comment); returns once it is on disk. */
  void write(long seq, ObjectNode entry) {
    Path file = entryPath(seq);
    Path tmp = directory.resolve(seq + ".json.tmp");
    try {
      ByteBuffer bytes = ByteBuffer.wrap(JSON.writeValueAsBytes(entry));
      try (FileChannel channel = FileChannel.open(tmp, CREATE, TRUNCATE_EXISTING, WRITE)) {
        while (bytes.hasRemaining()) channel.write(bytes);
        sync.force(channel, tmp);
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      forceDirectory();
    } catch (IOException e) {
      // A full disk leaves a partly written .tmp that would hold on to the space it got.
      delete(tmp);
      throw new UncheckedIOException("cannot write outbox entry " + file, e);
    }
  }

  /**
   * Moves a recorded clip in and forces its bytes to disk: the encoder wrote them without. When that fails (an
   * outbox on a disk of its own that is full) neither the recording nor a partial copy is left behind.
   */
  void takeClip(Path recorded, long seq) throws IOException {
    Path clip = clipPath(seq);
    try {
      Files.move(recorded, clip, StandardCopyOption.REPLACE_EXISTING);
      try (FileChannel channel = FileChannel.open(clip, WRITE)) {
        sync.force(channel, clip);
      }
    } catch (IOException e) {
      delete(clip);
      delete(recorded);
      throw e;
    }
  }

  Path clipPath(long seq) {
    return directory.resolve(seq + ".mp4");
  }

  Path entryPath(long seq) {
    return directory.resolve(seq + ".json");
  }

  long sizeOf(Path p) {
    try {
      return Files.exists(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      log.warn("could not delete {}: {}", p, e.toString());
    }
  }

  /** The entry, or null if it is not one: truncated, garbage, not JSON, or JSON of another shape. */
  private static ObjectNode readEntry(Path file) {
    try {
      JsonNode tree = JSON.readTree(Files.readAllBytes(file));
      boolean whole = tree instanceof ObjectNode && tree.get("event") instanceof ObjectNode
          && Outbox.Kind.of(tree).isPresent();
      if (!whole) log.warn("outbox entry {} is not an entry: {}", file, abbreviate(String.valueOf(tree)));
      return whole ? (ObjectNode) tree : null;
    } catch (IOException e) {
      log.warn("outbox entry {} is unreadable: {}", file, e.toString());
      return null;
    }
  }

  /** Renames the file (and its clip, which has no event left) out of the way; a failed rename only logs. */
  private void setAside(Path file, long seq) {
    String suffix = ".corrupt-" + STAMP.format(Instant.now());
    List<Path> files = seq < 0 ? List.of(file) : List.of(file, clipPath(seq));
    for (Path f : files) {
      if (!Files.exists(f)) continue;
      Path aside = f.resolveSibling(f.getFileName() + suffix);
      try {
        Files.move(f, aside);
        log.warn("outbox file {} set aside as {}", f, aside.getFileName());
      } catch (IOException e) {
        log.error("outbox file {} could not be set aside ({}); it is skipped", f, e.toString());
      }
    }
  }

  /** The sequence number a name {@code <seq>.json} gives, -1 for any other (or one too long for a long). */
  private static long sequence(String name) {
    if (!name.matches("\\d{1,18}\\.json")) return -1;
    return Long.parseLong(name.substring(0, name.length() - ".json".length()));
  }

  private void forceDirectory() {
    try (FileChannel dir = FileChannel.open(directory, READ)) {
      sync.force(dir, directory);
    } catch (IOException e) {
      // Some file systems cannot open a directory (Windows): the rename is then as durable as they make it.
      log.debug("could not force the outbox directory: {}", e.toString());
    }
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "...";
  }
}
