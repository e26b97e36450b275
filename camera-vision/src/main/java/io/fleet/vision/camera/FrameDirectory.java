package io.fleet.vision.camera;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * The JPEG and PNG files of one directory as frames, in file-name order (what {@code motion} or {@code ffmpeg -i
 * clip.mp4 frame-%05d.jpg} leave behind). Owns the list of files read at opening and the position in it;
 * timestamps follow from the given frame rate.
 */
public final class FrameDirectory implements FrameSource {

  private final List<Path> files;
  private final double fps;
  private int position;

  private FrameDirectory(List<Path> files, double fps) {
    this.files = files;
    this.fps = fps;
  }

  /** @throws IOException if the directory cannot be listed */
  public static FrameDirectory open(Path directory, double fps) throws IOException {
    if (!(fps > 0)) {
      throw new IllegalArgumentException("frame rate must be positive: " + fps);
    }
    try (Stream<Path> entries = Files.list(directory)) {
      List<Path> images = entries.filter(Files::isRegularFile).filter(FrameDirectory::isImage).sorted()
          .collect(Collectors.toList());
      return new FrameDirectory(images, fps);
    }
  }

  public int size() {
    return files.size();
  }

  /** @throws IOException if a file is unreadable or not a decodable image */
  @Override
  public Optional<Frame> next() throws IOException {
    if (position >= files.size()) {
      return Optional.empty();
    }
    Path file = files.get(position);
    BufferedImage image = ImageIO.read(file.toFile());
    if (image == null) {
      throw new IOException("not a decodable image: " + file);
    }
    long index = position++;
    return Optional.of(Frame.of(index, Math.round(index * 1000 / fps), image));
  }

  @Override
  public void close() {
    position = files.size();
  }

  private static boolean isImage(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png");
  }
}
