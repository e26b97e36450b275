package io.fleet.vision.clip;

import io.fleet.vision.camera.Frame;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Writes frames into a video file a browser plays. Called on the encoding executor, never on the detection path. */
public interface ClipEncoder {

  /** Writes all {@code frames}, of one size, at {@code fps} to {@code target}, replacing it. */
  void encode(List<Frame> frames, double fps, Path target) throws IOException;
}
