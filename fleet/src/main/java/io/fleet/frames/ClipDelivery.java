package io.fleet.frames;

import io.fleet.vision.clip.Clip;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the clips cut from a camera's frames go: into Fleet's bucket first, then to the camera's device
 * entity as a motion report naming the stored clip. The returned stage completes once both are done
 * (until then the clip's frames are not committed in Kafka), and fails when the clip was lost.
 */
public interface ClipDelivery {
  /** {@code clip} completes on the encoding executor with the encoded file, or fails when it was dropped. */
  CompletionStage<?> deliver(String cameraId, CompletableFuture<Clip> clip);
}
