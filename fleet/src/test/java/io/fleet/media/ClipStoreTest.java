package io.fleet.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Clip keys: they encode device and time, and a clip id Fleet issued leads back to its key. */
class ClipStoreTest {
  private static final Instant AT = Instant.parse("2026-11-23T21:40:05Z");

  @Test
  void aKeyEncodesDeviceDayTimeAndClip() {
    assertThat(ClipStore.keyFor("cam-1", "c-9.mp4", AT)).isEqualTo("clips/cam-1/2026-11-23/214005Z-c-9.mp4");
  }

  @Test
  void aKeyTellsTheTimeItWasMadeAtToTheSecondAndAForeignKeyNone() {
    assertThat(ClipStore.keyTime(ClipStore.keyFor("cam-1", "c-9.mp4", AT.plusMillis(700)))).contains(AT);
    assertThat(ClipStore.keyTime("clips/cam-1/2026-11-23/c-9.mp4")).isEmpty();
    assertThat(ClipStore.keyTime("clips/cam-1/2026-13-45/999999Z-c-9.mp4")).as("no real time").isEmpty();
    assertThat(ClipStore.keyTime("other/cam-1/2026-11-23/214005Z-c-9.mp4")).isEmpty();
  }

  @Test
  void anIssuedClipIdCarriesItsTimeSoItsKeyCanBeDerived() {
    String clipId = ClipStore.issueClipId(AT);

    assertThat(clipId).matches("20261123T214005Z-[0-9a-f]{12}");
    assertThat(ClipStore.isValidClipId(clipId)).isTrue();
    assertThat(ClipStore.issuedKey("cam-1", clipId)).contains(ClipStore.keyFor("cam-1", clipId, AT));
    assertThat(ClipStore.issueClipId(AT)).isNotEqualTo(clipId);
  }

  @Test
  void otherClipIdsHaveNoDerivedKey() {
    assertThat(ClipStore.issuedKey("cam-1", "big-1")).isEmpty();
    assertThat(ClipStore.issuedKey("cam-1", null)).isEmpty();
  }

  @Test
  void anIdShapedLikeAnIssuedOneButWithoutARealTimeHasNoKeyInsteadOfFailing() {
    // The message that stopped the device-event consumer for good (month 99, hour 99).
    assertThat(ClipStore.issuedKey("cam-1", "20259999T999999Z-000000000000")).isEmpty();
  }

  @Test
  void clipContentTypesAreVideoOrOctetStream() {
    assertThat(ClipStore.isClipContentType("video/mp4")).isTrue();
    assertThat(ClipStore.isClipContentType("application/octet-stream")).isTrue();
    assertThat(ClipStore.isClipContentType("text/html")).isFalse();
  }

  @Test
  void checkRetriesOnlyAsOftenAsItsPausesFitInItsPatience() {
    Duration first = Duration.ofMillis(200);
    Duration most = Duration.ofSeconds(5);
    assertThat(ClipStore.retriesWithin(Duration.ZERO, first, most)).isZero();
    // 200 + 400 + 800 + 1600 = 3000 ms; the next pause (3200 ms) would end after 5 s.
    assertThat(ClipStore.retriesWithin(Duration.ofSeconds(5), first, most)).isEqualTo(4);
    // 6200 ms of doubling, then 5 s pauses: (600,000 - 6,200) / 5,000 = 118 more.
    assertThat(ClipStore.retriesWithin(Duration.ofMinutes(10), first, most)).isEqualTo(5 + 118);
  }
}
