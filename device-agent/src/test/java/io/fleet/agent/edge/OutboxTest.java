package io.fleet.agent.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's on-disk queue: order, waiting for clips, surviving a restart, and dropping clips, never events. */
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
}
