package io.fleet.vision.clip;

import io.fleet.vision.camera.Frame;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.jcodec.api.awt.AWTSequenceEncoder;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.io.SeekableByteChannel;
import org.jcodec.common.model.Rational;

/**
 * H.264 Baseline in MP4 with jcodec, pure Java, which Chromium, Firefox and Safari play. The {@code moov} index
 * comes last, so whoever serves the file must support HTTP range requests for the browser to seek. About 16
 * frames/s at 640×480 on one core: run it on its own executor. Frames of odd width or height lose their last column
 * or row (H.264 4:2:0 needs even sizes). Stateless; writes to a temporary file first, so a crash leaves no
 * half-written clip under the target name.
 */
public final class Mp4ClipEncoder implements ClipEncoder {

  @Override
  public void encode(List<Frame> frames, double fps, Path target) throws IOException {
    if (frames.isEmpty()) {
      throw new IllegalArgumentException("a clip needs at least one frame");
    }
    Path partial = target.resolveSibling(target.getFileName() + ".partial");
    try (SeekableByteChannel channel = NIOUtils.writableChannel(partial.toFile())) {
      AWTSequenceEncoder encoder = new AWTSequenceEncoder(channel, rational(fps));
      for (Frame frame : frames) {
        encoder.encodeImage(evenSized(frame));
      }
      encoder.finish();
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(partial);
      throw e;
    }
    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private static BufferedImage evenSized(Frame frame) {
    int width = frame.width() & ~1;
    int height = frame.height() & ~1;
    if (width == frame.width() && height == frame.height()) {
      return frame.toImage();
    }
    if (width == 0 || height == 0) {
      throw new IllegalArgumentException("frame too small for H.264: " + frame.width() + "x" + frame.height());
    }
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    image.setRGB(0, 0, width, height, frame.rgb(), 0, frame.width());
    return image;
  }

  /** The frame rate as a fraction in thousandths: 12.5 fps becomes 25/2. */
  private static Rational rational(double fps) {
    int numerator = (int) Math.round(fps * 1000);
    int gcd = BigInteger.valueOf(numerator).gcd(BigInteger.valueOf(1000)).intValue();
    return Rational.R(numerator / gcd, 1000 / gcd);
  }
}
