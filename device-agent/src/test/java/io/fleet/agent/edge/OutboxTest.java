package io.fleet.agent.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's on-disk queue: order, waiting for clips, surviving a restart and corrupt files, writes forced to disk,
 * dropping clips before events, and heartbeats before motion events.
 */
class OutboxTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private static ObjectNode event(String id) {
    return JSON.createObjectNode().put("event_id", id);
  }

  private Path clip(String name, int bytes) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, new byte[bytes]);
    return p;
  }

  @Test
  void entriesComeOldestFirstAndAnEntryWaitsForItsClip() throws Exception {
    Outbox outbox = new Outbox(dir.resolve("q"), 1_000_000);
    long first = outbox.add(event("e-1"), true);
    outbox.add(event("e-2"), false);

    assertThat(outbox.oldest(0).orElseThrow().ready()).as("e-1 waits for its clip, and e-2 behind it").isFalse();
    outbox.attachClip(first, clip("c1.mp4", 1000));
    Outbox.Entry e1 = outbox.oldest(0).orElseThrow();
    assertThat(e1.ready()).isTrue();
    assertThat(e1.event().get("event_id").asText()).isEqualTo("e-1");
    assertThat(Files.size(e1.clip().orElseThrow())).isEqualTo(1000);
    outbox.remove(first);
    assertThat(outbox.oldest(0).orElseThrow().event().get("event_id").asText()).isEqualTo("e-2");
  }

  @Test
  void aRestartedAgentFindsItsEntriesWithTheirClipsAndUploadedClipIds() throws Exception {
    Outbox before = new Outbox(dir.resolve("q"), 1_000_000);
    long a = before.add(event("e-1"), true);
    before.attachClip(a, clip("c1.mp4", 500));
    before.clipUploaded(a, "clip-1", "http://s3/fleet-clips/clips/cam/clip-1");
    long b = before.add(event("e-2"), true);
    before.attachClip(b, clip("c2.mp4", 700));

    Outbox after = new Outbox(dir.resolve("q"), 1_000_000);

    assertThat(after.size()).isEqualTo(2);
    Outbox.Entry e1 = after.oldest(0).orElseThrow();
    assertThat(e1.clipId()).as("uploaded before the restart: not again").isEqualTo("clip-1");
    assertThat(e1.clipUrl()).as("what a Kafka-speaking camera names").isEqualTo("http://s3/fleet-clips/clips/cam/clip-1");
    assertThat(e1.clip()).isEmpty();
    after.remove(e1.seq());
    Outbox.Entry e2 = after.oldest(0).orElseThrow();
    assertThat(e2.clip()).isPresent();
    assertThat(after.add(event("e-3"), false)).as("sequence numbers go on").isGreaterThan(b);
  }

  @Test
  void aFullOutboxDropsTheOldestClipsAndCountsThemButKeepsEveryEvent() throws Exception {
    Outbox outbox = new Outbox(dir.resolve("q"), 2500);
    for (int i = 1; i <= 4; i++) outbox.attachClip(outbox.add(event("e-" + i), true), clip("c" + i + ".mp4", 1000));

    assertThat(outbox.size()).isEqualTo(4);
    assertThat(outbox.droppedClips()).isEqualTo(2);
    Outbox.Entry e1 = outbox.oldest(0).orElseThrow();
    assertThat(e1.event().get("event_id").asText()).isEqualTo("e-1");
    assertThat(e1.clip()).as("the oldest clip gave way").isEmpty();
    assertThat(e1.ready()).isTrue();
  }

  @Test
  void corruptEntriesAreSetAsideWithTheirClipsCountedAndTheOutboxStartsWithTheRest() throws Exception {
    Path q = dir.resolve("q");
    Outbox before = new Outbox(q, 1_000_000);
    for (int i = 1; i <= 6; i++) before.add(event("e-" + i), false);
    before.attachClip(before.add(event("e-7"), true), clip("c7.mp4", 100));
    byte[] whole = Files.readAllBytes(q.resolve("2.json"));
    Files.write(q.resolve("2.json"), Arrays.copyOf(whole, whole.length / 2));
    byte[] garbage = new byte[64];
    new Random(7).nextBytes(garbage);
    Files.write(q.resolve("3.json"), garbage);
    Files.writeString(q.resolve("4.json"), "[1, 2, 3]");
    Files.write(q.resolve("5.json"), new byte[0]);
    Files.writeString(q.resolve("7.json"), "{\"kind\":\"motion\",\"event\":\"not an object\",\"ready\":true}");

    Outbox after = new Outbox(q, 1_000_000);

    assertThat(after.corruptFiles()).isEqualTo(5);
    assertThat(after.size()).isEqualTo(2);
    assertThat(ids(after)).containsExactly("e-1", "e-6");
    assertThat(names(q)).as("set aside, not deleted; the clip of the unreadable e-7 with it")
        .anyMatch(n -> n.startsWith("2.json.corrupt-")).anyMatch(n -> n.startsWith("3.json.corrupt-"))
        .anyMatch(n -> n.startsWith("4.json.corrupt-")).anyMatch(n -> n.startsWith("5.json.corrupt-"))
        .anyMatch(n -> n.startsWith("7.json.corrupt-")).anyMatch(n -> n.startsWith("7.mp4.corrupt-"))
        .doesNotContain("2.json", "3.json", "4.json", "5.json", "7.json", "7.mp4");
    assertThat(new Outbox(q, 1_000_000).corruptFiles()).as("once set aside, left alone").isZero();
    assertThat(after.add(event("e-8"), false)).as("no new entry takes a set-aside name").isGreaterThan(7);
  }

  @Test
  void anOutboxOfNothingButGarbageStartsEmptyAndTakesNewEvents() throws Exception {
    Path q = Files.createDirectories(dir.resolve("q"));
    Files.writeString(q.resolve("1.json"), "{\"event\": {\"event_id\": \"e-");
    Files.write(q.resolve("99999999999999999999999.json"), "{}".getBytes(StandardCharsets.UTF_8));

    Outbox outbox = new Outbox(q, 1_000_000);

    assertThat(outbox.size()).isZero();
    assertThat(outbox.corruptFiles()).isEqualTo(2);
    assertThat(outbox.oldest(0)).isEmpty();
    outbox.add(event("e-2"), false);
    assertThat(ids(new Outbox(q, 1_000_000))).containsExactly("e-2");
  }

  @Test
  void aWriteCutShortByACrashLeavesTheEntryAsItWasAndItsTemporaryFileGoes() throws Exception {
    Path q = dir.resolve("q");
    Outbox before = new Outbox(q, 1_000_000);
    before.attachClip(before.add(event("e-1"), true), clip("c1.mp4", 100));
    Files.writeString(q.resolve("1.json.tmp"), "{\"kind\":\"mot");

    Outbox after = new Outbox(q, 1_000_000);

    assertThat(after.corruptFiles()).isZero();
    assertThat(after.oldest(0).orElseThrow().clipId()).as("the version before the cut write").isNull();
    assertThat(names(q)).containsExactly("1.json", "1.mp4");
  }

  @Test
  void anEventWaitingForItsClipWhenTheAgentStoppedGoesWithoutOneAfterARestart() throws Exception {
    Path q = dir.resolve("q");
    Outbox before = new Outbox(q, 1_000_000);
    before.add(event("e-1"), true);
    before.add(event("e-2"), false);

    Outbox after = new Outbox(q, 1_000_000);

    Outbox.Entry e1 = after.oldest(0).orElseThrow();
    assertThat(e1.ready()).as("no clip comes for it now: it must not hold up e-2").isTrue();
    assertThat(e1.clip()).isEmpty();
    assertThat(ids(new Outbox(q, 1_000_000))).as("as on disk").containsExactly("e-1", "e-2");
  }

  @Test
  void aFullDiskRefusesNoEventKeepsTheStoredOnesAndTakesClipsAgainOnceItHasRoom() throws Exception {
    Path q = dir.resolve("q");
    AtomicBoolean full = new AtomicBoolean();
    Outbox outbox = new Outbox(q, 1_000_000, 100, (channel, file) -> {
      if (full.get()) throw new FileSystemException(file.toString(), null, "No space left on device");
      channel.force(true);
    });
    outbox.attachClip(outbox.add(event("e-1"), true), clip("c1.mp4", 100));

    full.set(true);
    long second = outbox.add(event("e-2"), true);
    Path recorded = clip("c2.mp4", 100);
    outbox.attachClip(second, recorded);

    assertThat(outbox.diskFull()).isTrue();
    assertThat(outbox.clipsNotStored()).isEqualTo(1);
    assertThat(outbox.failedWrites()).as("e-2, its clip, e-2 going without it").isEqualTo(3);
    assertThat(outbox.unsaved()).as("e-2, in memory only").isEqualTo(1);
    assertThat(recorded).as("not left in the encoder's directory").doesNotExist();
    assertThat(names(q)).as("no partial file holds on to space").containsExactly("1.json", "1.mp4");
    Outbox.Entry e1 = outbox.oldest(0).orElseThrow();
    assertThat(e1.clip()).as("stored before the disk filled").isPresent();
    outbox.remove(e1.seq());
    Outbox.Entry e2 = outbox.oldest(0).orElseThrow();
    assertThat(e2.event().get("event_id").asText()).isEqualTo("e-2");
    assertThat(e2.ready()).as("goes without its clip").isTrue();
    assertThat(e2.clip()).isEmpty();

    full.set(false);
    long third = outbox.add(event("e-3"), true);
    outbox.attachClip(third, clip("c3.mp4", 100));

    assertThat(outbox.diskFull()).isFalse();
    assertThat(outbox.unsaved()).as("e-2 written once the disk took a write again").isZero();
    assertThat(outbox.oldest(0).orElseThrow().seq()).isEqualTo(second);
    Outbox after = new Outbox(q, 1_000_000);
    after.remove(second);
    assertThat(after.oldest(0).orElseThrow().clip()).as("e-3's clip stored, no restart needed").isPresent();
  }

  @Test
  void anEventCountsAsQueuedOnlyOnceItsFileAndItsRenameAreForcedToDisk() throws Exception {
    Path q = dir.resolve("q");
    List<String> forced = new ArrayList<>();
    List<String> presentAtFirstForce = new ArrayList<>();
    Outbox outbox = new Outbox(q, 1_000_000, 100, (channel, file) -> {
      if (forced.isEmpty()) presentAtFirstForce.addAll(names(q));
      forced.add(file.getFileName().toString());
      channel.force(true);
    });

    long seq = outbox.add(event("e-1"), true);

    assertThat(forced).as("the new file's bytes, then the directory holding its rename").containsExactly("1.json.tmp", "q");
    assertThat(presentAtFirstForce).as("nothing renamed into place before its bytes are on disk").containsExactly("1.json.tmp");
    forced.clear();
    outbox.attachClip(seq, clip("c1.mp4", 100));
    assertThat(forced).as("the clip's bytes before the entry says it has one").containsExactly("1.mp4", "1.json.tmp", "q");
  }

  @Test
  void theEventBoundDropsTheOldestHeartbeatsFirstAndMotionEventsLastCountingEachKind() throws Exception {
    Path q = dir.resolve("q");
    Outbox outbox = new Outbox(q, 1_000_000, 3);
    outbox.add(event("e-1"), false);
    outbox.addHeartbeat(event("h-1"));
    outbox.addHeartbeat(event("h-2"));

    outbox.add(event("e-2"), false);
    assertThat(outbox.droppedHeartbeats()).as("h-1, the oldest heartbeat").isEqualTo(1);
    assertThat(outbox.oldestHeartbeat().orElseThrow().event().get("event_id").asText()).isEqualTo("h-2");
    outbox.add(event("e-3"), false);
    assertThat(outbox.size(Outbox.Kind.HEARTBEAT)).isZero();
    assertThat(outbox.addHeartbeat(event("h-3"))).as("no motion event gives way to a heartbeat").isFalse();
    assertThat(outbox.droppedMotionEvents()).isZero();
    outbox.add(event("e-4"), false);

    assertThat(outbox.droppedHeartbeats()).isEqualTo(3);
    assertThat(outbox.droppedMotionEvents()).as("e-1, once only motion events were left").isEqualTo(1);
    assertThat(outbox.size()).isEqualTo(3);
    assertThat(ids(new Outbox(q, 1_000_000, 3))).as("as on disk").containsExactly("e-2", "e-3", "e-4");
  }

  @Test
  void aClipWhoseEventGaveWayIsDeletedNotLeftBehind() throws Exception {
    Outbox outbox = new Outbox(dir.resolve("q"), 1_000_000, 1);
    long first = outbox.add(event("e-1"), true);
    outbox.add(event("e-2"), false);
    Path recorded = clip("c1.mp4", 100);

    outbox.attachClip(first, recorded);

    assertThat(recorded).doesNotExist();
    assertThat(ids(outbox)).containsExactly("e-2");
  }

  @Test
  void heartbeatsWaitApartFromMotionEventsAndKeepTheirKindAcrossARestart() throws Exception {
    Path q = dir.resolve("q");
    Outbox before = new Outbox(q, 1_000_000);
    before.addHeartbeat(event("h-1"));
    before.add(event("e-1"), true);
    // An entry written before heartbeats were queued names no kind: a motion event.
    Files.writeString(q.resolve("9.json"), "{\"event\":{\"event_id\":\"e-old\"},\"ready\":true}");

    Outbox after = new Outbox(q, 1_000_000);

    assertThat(after.oldest(0).orElseThrow().event().get("event_id").asText()).as("not the older heartbeat").isEqualTo("e-1");
    assertThat(after.oldestHeartbeat().orElseThrow().event().get("event_id").asText()).isEqualTo("h-1");
    assertThat(after.size(Outbox.Kind.MOTION)).isEqualTo(2);
    assertThat(after.size(Outbox.Kind.HEARTBEAT)).isEqualTo(1);
  }

  @Test
  void aLostClipStaysLostAcrossARestart() throws Exception {
    Path q = dir.resolve("q");
    Outbox before = new Outbox(q, 1_000_000);
    before.attachClip(before.add(event("e-1"), true), clip("c1.mp4", 100));

    before.clipLost(1);

    Outbox.Entry e1 = new Outbox(q, 1_000_000).oldest(0).orElseThrow();
    assertThat(e1.clip()).as("not uploaded again").isEmpty();
    assertThat(e1.ready()).isTrue();
    assertThat(q.resolve("1.mp4")).doesNotExist();
  }

  /** Event ids of the motion events, oldest first (takes them out). */
  private static List<String> ids(Outbox outbox) throws Exception {
    List<String> ids = new ArrayList<>();
    for (Optional<Outbox.Entry> e = outbox.oldest(0); e.isPresent(); e = outbox.oldest(0)) {
      ids.add(e.get().event().get("event_id").asText());
      outbox.remove(e.get().seq());
    }
    return ids;
  }

  private static List<String> names(Path q) throws IOException {
    try (Stream<Path> files = Files.list(q)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
