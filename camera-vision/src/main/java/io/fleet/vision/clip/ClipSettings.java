package io.fleet.vision.clip;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How {@link ClipRecorder} cuts clips.
 *
 * @param preCaptureFrames frames kept from before an event starts ({@code pre_capture} in Motion)
 * @param postCaptureFrames frames added after an event ended ({@code post_capture})
 * @param maxClipFrames a longer event is cut into several clips, so memory stays bounded: frames are kept
 *     uncompressed until encoded, 4 bytes a pixel (1.2 MB at 640×480), so 250 frames hold about 300 MB
 * @param fps the frame rate written into the clip (the camera's)
 * @param maxPendingClips clips waiting for or under encoding; one more is dropped, logged and counted
 * @param directory where clip files are written
 */
public record ClipSettings(int preCaptureFrames, int postCaptureFrames, int maxClipFrames, double fps,
    int maxPendingClips, Path directory) {

  public ClipSettings {
    Objects.requireNonNull(directory, "directory");
    if (preCaptureFrames < 0 || postCaptureFrames < 0 || maxClipFrames < preCaptureFrames + 1 || !(fps > 0)
        || maxPendingClips < 1) {
      throw new IllegalArgumentException("invalid clip settings: " + this);
    }
  }
}
