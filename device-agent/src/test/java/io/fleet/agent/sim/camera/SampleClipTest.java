package io.fleet.agent.sim.camera;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jcodec.api.FrameGrab;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.model.Picture;
import org.jcodec.scale.AWTUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleClipTest {

  @Test
  void theSharedClipIsATwoSecondH264Mp4WithSomethingMovingEncodedOnce(@TempDir Path dir) throws Exception {
    byte[] clip = SampleClip.bytes();
    Path file = Files.write(dir.resolve("clip.mp4"), clip);

    List<BufferedImage> frames = new ArrayList<>();
    try (var channel = NIOUtils.readableChannel(file.toFile())) {
      FrameGrab grab = FrameGrab.createFrameGrab(channel);
      for (Picture p = grab.getNativeFrame(); p != null; p = grab.getNativeFrame()) {
        frames.add(AWTUtil.toBufferedImage(p));
      }
    }
    assertThat(frames).hasSize(20);
    assertThat(frames.get(0).getWidth()).isEqualTo(160);
    assertThat(frames.get(0).getHeight()).isEqualTo(120);
    assertThat(difference(frames.get(0), frames.get(19))).as("something moved").isGreaterThan(100);
    assertThat(SampleClip.bytes()).as("encoded once, then shared").isSameAs(clip);
  }

  /** Pixels whose green differs by more than 40 between two frames. */
  private static int difference(BufferedImage a, BufferedImage b) {
    int changed = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int ga = a.getRGB(x, y) >> 8 & 0xff;
        int gb = b.getRGB(x, y) >> 8 & 0xff;
        changed += Math.abs(ga - gb) > 40 ? 1 : 0;
      }
    }
    return changed;
  }
}
