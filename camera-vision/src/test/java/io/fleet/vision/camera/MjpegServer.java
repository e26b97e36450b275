package io.fleet.vision.camera;

import com.sun.net.httpserver.HttpServer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A tiny MJPEG camera on 127.0.0.1 for tests: {@code /stream} serves the given images once as
 * {@code multipart/x-mixed-replace}, like Motion's stream port, every other part without a {@code Content-Length}.
 */
public final class MjpegServer implements AutoCloseable {

  public static final String BOUNDARY = "BoundaryString";

  private final HttpServer server;

  public MjpegServer(List<BufferedImage> images, String contentType) throws IOException {
    List<byte[]> jpegs = images.stream().map(MjpegServer::jpeg).toList();
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/stream", exchange -> {
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.sendResponseHeaders(200, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write("preamble to ignore\r\n".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < jpegs.size(); i++) {
          byte[] jpeg = jpegs.get(i);
          String length = i % 2 == 0 ? "Content-Length: " + jpeg.length + "\r\n" : "";
          out.write(("--" + BOUNDARY + "\r\nContent-Type: image/jpeg\r\n" + length + "\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          out.write(jpeg);
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
      }
    });
    server.start();
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/stream");
  }

  @Override
  public void close() {
    server.stop(0);
  }

  public static byte[] jpeg(BufferedImage image) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ImageIO.write(image, "jpg", bytes);
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
