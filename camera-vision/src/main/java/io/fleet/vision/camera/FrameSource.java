package io.fleet.vision.camera;

import java.io.IOException;
import java.util.Optional;

/** Where frames come from: a camera stream, files, or a generated scene. Not thread-safe: one reader. */
public interface FrameSource extends AutoCloseable {

  /** The next frame, blocking until it arrives; empty once the source has ended. */
  Optional<Frame> next() throws IOException;

  @Override
  void close() throws IOException;
}
