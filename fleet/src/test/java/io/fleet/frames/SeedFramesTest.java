package io.fleet.frames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** How a frame of seed 003's topic says its camera, place and time: bare bytes in a partition of their own. */
class SeedFramesTest {
  private static ConsumerRecord<String, byte[]> record(int partition, long offset, String key, long timestamp) {
    return new ConsumerRecord<>("VideoStreaming", partition, offset, timestamp,
        TimestampType.CREATE_TIME, 0, 3, key, new byte[3], new RecordHeaders(),
        Optional.empty());
  }

  @Test
  void aFrameWithoutAKeyIsOfItsPartitionsCameraAsTheSeedNamedThem() throws Exception {
    SeedFrames frames = new SeedFrames(Map.of());

    FrameHeaders.Stamp stamp = frames.read(record(1, 42, null, 1_700_000_000_123L));

    assertThat(stamp).isEqualTo(new FrameHeaders.Stamp("CAMERA-2", 42, 1_700_000_000_123L));
    assertThat(frames.read(record(0, 0, null, 5)).cameraId()).isEqualTo("CAMERA-1");
  }

  @Test
  void aConfiguredNameOrTheRecordsKeyNamesTheCamera() throws Exception {
    SeedFrames frames = new SeedFrames(Map.of(0, "porch"));

    assertThat(frames.read(record(0, 7, null, 5)).cameraId()).isEqualTo("porch");
    assertThat(frames.read(record(0, 8, "garage", 5)).cameraId()).isEqualTo("garage");
  }

  @Test
  void aKeyThatIsNoDeviceIdIsRefusedAndSoIsAConfiguredName() {
    SeedFrames frames = new SeedFrames(Map.of());

    assertThatThrownBy(() -> frames.read(record(0, 1, "../etc", 5))).isInstanceOf(FrameHeaders.Invalid.class);
    assertThatThrownBy(() -> new SeedFrames(Map.of(0, "a/b"))).isInstanceOf(IllegalArgumentException.class);
  }
}
