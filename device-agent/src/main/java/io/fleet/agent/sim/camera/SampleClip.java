package io.fleet.agent.sim.camera;

import io.fleet.vision.camera.Frame;
import io.fleet.vision.camera.SceneScripts;
import io.fleet.vision.camera.SyntheticScene;
import io.fleet.vision.clip.Mp4ClipEncoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The clip simulated cameras upload for their motion episodes: a real H.264 MP4 that a browser plays, of a synthetic
 * scene with something moving through it (160×120, 10 fps, 2 s), encoded once per JVM with the agent's own
 * {@link Mp4ClipEncoder} and then shared, since encoding per episode would cost thousands of cameras a core each.
 */
public final class SampleClip {
  private static final int WIDTH = 160;
  private static final int HEIGHT = 120;
  private static final double FPS = 10;
  private static volatile byte[] shared;

  private SampleClip() {}

  /** The bytes of the shared clip, encoded on first use. */
  public static byte[] bytes() {
    byte[] clip = shared;
    if (clip == null) {
      synchronized (SampleClip.class) {
        if (shared == null) {
          shared = encode();
        }
        clip = shared;
      }
    }
    return clip;
  }

  private static byte[] encode() {
    SyntheticScene.Script script = SceneScripts.labelled(7, WIDTH, HEIGHT, FPS, 1);
    int first = script.objects().get(0).firstFrame();
    List<Frame> frames = new ArrayList<>();
    try (SyntheticScene scene = new SyntheticScene(script)) {
      for (Optional<Frame> f = scene.next(); f.isPresent() && frames.size() < 2 * FPS; f = scene.next()) {
        if (f.get().index() >= first - 5) {
          frames.add(f.get());
        }
      }
      Path file = Files.createTempFile("fleet-sim-clip", ".mp4");
      try {
        new Mp4ClipEncoder().encode(frames, FPS, file);
        return Files.readAllBytes(file);
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not encode the simulator's sample clip", e);
    }
  }
}
