package io.fleet.frames;

import io.fleet.protocol.DeviceId;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Frames as seed 003's cameras send them: bare JPEG bytes to one topic ({@code VideoStreaming}), one
 * partition per camera, no key and no headers. A record's camera is its key when it has one, otherwise its
 * partition's camera ({@code fleet.frames.seed.partition-cameras}, default partition N is
 * {@code CAMERA-{N+1}}, as in the seed); its sequence is its offset and its capture time the record's
 * timestamp. Holds only the configured names.
 */
final class SeedFrames implements FrameStamps {
  private final Map<Integer, String> partitionCameras;

  SeedFrames(Map<Integer, String> partitionCameras) {
    for (String camera : partitionCameras.values()) DeviceId.require(camera);
    this.partitionCameras = Map.copyOf(partitionCameras);
  }

  /** The camera whose frames partition {@code partition} carries when they come without a key. */
  String cameraOf(int partition) {
    return partitionCameras.getOrDefault(partition, "CAMERA-" + (partition + 1));
  }

  @Override
  public FrameHeaders.Stamp read(ConsumerRecord<String, byte[]> record) throws FrameHeaders.Invalid {
    String camera = record.key() == null ? cameraOf(record.partition()) : record.key();
    if (!DeviceId.isValid(camera)) {
      throw new FrameHeaders.Invalid("record key must be a camera id: 1-128 letters, digits, '.', '-' or '_'");
    }
    return new FrameHeaders.Stamp(camera, record.offset(), Math.max(0, record.timestamp()));
  }
}
