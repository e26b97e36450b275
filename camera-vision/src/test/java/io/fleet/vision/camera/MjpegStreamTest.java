package io.fleet.vision.camera;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MjpegStreamTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final List<BufferedImage> IMAGES =
      IntStream.range(0, 5).mapToObj(i -> TestImages.square(40 + 30 * i, i)).toList();

  @Test
  void readsEveryPartOfAMultipartStreamWithAndWithoutContentLengthInOrder() throws IOException {
    try (MjpegServer camera = new MjpegServer(IMAGES,
        "multipart/x-mixed-replace; boundary=" + MjpegServer.BOUNDARY);
        MjpegStream stream = MjpegStream.open(camera.uri(), TIMEOUT)) {

      List<Frame> frames = readAll(stream);

      assertThat(frames).hasSize(5);
      for (int i = 0; i < frames.size(); i++) {
        Frame frame = frames.get(i);
        assertThat(frame.index()).isEqualTo(i);
        assertThat(frame.width()).isEqualTo(64);
        assertThat(frame.height()).isEqualTo(48);
        assertThat(TestImages.levelAt(frame, 60, 4)).as("background of frame " + i).isBetween(36 + 30 * i, 44 + 30 * i);
        assertThat(TestImages.levelAt(frame, 8 * i + 8, 24)).as("square of frame " + i).isGreaterThan(240);
      }
      assertThat(stream.next()).isEmpty();
    }
  }

  @Test
  void acceptsAQuotedBoundaryThatAlreadyCarriesItsDashes() throws IOException {
    try (MjpegServer camera = new MjpegServer(IMAGES.subList(0, 2),
        "multipart/x-mixed-replace;boundary=\"--" + MjpegServer.BOUNDARY + "\"");
        MjpegStream stream = MjpegStream.open(camera.uri(), TIMEOUT)) {

      assertThat(readAll(stream)).hasSize(2);
    }
  }

  @Test
  void aPartLargerThanTheLimitFailsInsteadOfFillingMemory() throws IOException {
    try (MjpegServer camera = new MjpegServer(IMAGES,
        "multipart/x-mixed-replace; boundary=" + MjpegServer.BOUNDARY);
        MjpegStream stream = MjpegStream.open(camera.uri(), TIMEOUT, 100)) {

      assertThatThrownBy(stream::next).isInstanceOf(IOException.class).hasMessageContaining("limit 100");
      assertThatThrownBy(stream::next).as("a part without length").isInstanceOf(IOException.class)
          .hasMessageContaining("larger than 100 bytes");
    }
  }

  @Test
  void refusesAResponseThatIsNotMultipart() throws IOException {
    try (MjpegServer camera = new MjpegServer(IMAGES, "image/jpeg")) {
      assertThatThrownBy(() -> MjpegStream.open(camera.uri(), TIMEOUT))
          .isInstanceOf(IOException.class).hasMessageContaining("not a multipart stream");
    }
  }

  @Test
  void refusesAnErrorStatus() throws IOException {
    try (MjpegServer camera = new MjpegServer(IMAGES, "multipart/x-mixed-replace; boundary=x")) {
      URI missing = camera.uri().resolve("/nothing-here");
      assertThatThrownBy(() -> MjpegStream.open(missing, TIMEOUT))
          .isInstanceOf(IOException.class).hasMessageContaining("HTTP 404");
    }
  }

  private static List<Frame> readAll(FrameSource source) throws IOException {
    List<Frame> frames = new ArrayList<>();
    for (Optional<Frame> frame = source.next(); frame.isPresent(); frame = source.next()) {
      frames.add(frame.get());
    }
    return frames;
  }
}
