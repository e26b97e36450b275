package io.fleet.vision.clip;

import java.nio.file.Path;

/**
 * An encoded clip on disk.
 *
 * @param eventStartMillis when the motion event it shows started (its first motion frame)
 * @param firstFrameMillis timestamp of the clip's first frame (pre-capture included)
 * @param lastFrameMillis timestamp of its last frame (post-capture included)
 */
public record Clip(Path file, long eventStartMillis, long firstFrameMillis, long lastFrameMillis, int frames) {}
