package io.fleet.vision.camera;

import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;

/**
 * An MJPEG-over-HTTP camera stream ({@code multipart/x-mixed-replace}), as Motion's stream port and most IP
 * cameras serve it: one JPEG per part, with or without a {@code Content-Length} header. Owns the HTTP connection
 * and the read position in the multipart body; it does not reconnect (the caller decides when to retry).
 * User info in the URL ({@code http://user:pass@host/}) is sent as basic authentication.
 */
public final class MjpegStream implements FrameSource {

  private static final int MAX_LINE = 8 * 1024;

  private final HttpURLConnection connection;
  private final InputStream body;
  private final byte[] delimiter;
  private final int[] fallback;
  private final int maxFrameBytes;
  private final long startedNanos = System.nanoTime();
  private long index;
  private boolean atPartHeaders;
  private boolean ended;

  private MjpegStream(HttpURLConnection connection, InputStream body, String boundary, int maxFrameBytes) {
    this.connection = connection;
    this.body = body;
    this.delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    this.fallback = fallbackTable(delimiter);
    this.maxFrameBytes = maxFrameBytes;
  }

  /**
   * Connects and checks that the server answers 200 with a multipart body. Frame timestamps count milliseconds
   * from this call.
   *
   * @param timeout for connecting and for each read; a camera silent for longer fails {@link #next()}
   * @throws IOException if the server is unreachable, answers another status, or does not serve multipart
   */
  public static MjpegStream open(URI uri, Duration timeout) throws IOException {
    return open(uri, timeout, 16 * 1024 * 1024);
  }

  /** @param maxFrameBytes a part larger than this fails {@link #next()} rather than filling memory */
  public static MjpegStream open(URI uri, Duration timeout, int maxFrameBytes) throws IOException {
    HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
    connection.setConnectTimeout(Math.toIntExact(timeout.toMillis()));
    connection.setReadTimeout(Math.toIntExact(timeout.toMillis()));
    if (uri.getRawUserInfo() != null) {
      String credentials = Base64.getEncoder().encodeToString(
          uri.getUserInfo().getBytes(StandardCharsets.UTF_8));
      connection.setRequestProperty("Authorization", "Basic " + credentials);
    }
    try {
      int status = connection.getResponseCode();
      if (status != HttpURLConnection.HTTP_OK) {
        throw new IOException("camera stream " + uri + " answered HTTP " + status);
      }
      String boundary = boundaryOf(connection.getContentType());
      return new MjpegStream(connection, new BufferedInputStream(connection.getInputStream()), boundary,
          maxFrameBytes);
    } catch (IOException | RuntimeException e) {
      connection.disconnect();
      throw e;
    }
  }

  /** The {@code boundary} parameter of a multipart content type, without a leading {@code --}. */
  static String boundaryOf(String contentType) throws IOException {
    if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
      throw new IOException("not a multipart stream: " + contentType);
    }
    for (String parameter : contentType.split(";")) {
      String trimmed = parameter.trim();
      if (trimmed.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
        String boundary = trimmed.substring("boundary=".length()).replace("\"", "");
        // Some cameras put the dashes into the parameter as well.
        return boundary.startsWith("--") ? boundary.substring(2) : boundary;
      }
    }
    throw new IOException("multipart stream without boundary: " + contentType);
  }

  /** @throws IOException on a read timeout, a broken part, or a part that is not a decodable image */
  @Override
  public Optional<Frame> next() throws IOException {
    if (ended) {
      return Optional.empty();
    }
    try {
      if (!atPartHeaders) {
        skipToDelimiter();
      }
      int contentLength = readPartHeaders();
      byte[] jpeg = contentLength >= 0 ? readExactly(contentLength) : readUntilDelimiter();
      atPartHeaders = contentLength < 0;
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(jpeg));
      if (image == null) {
        throw new IOException("part " + index + " of the camera stream is not a decodable image");
      }
      long millis = (System.nanoTime() - startedNanos) / 1_000_000;
      return Optional.of(Frame.of(index++, millis, image));
    } catch (EOFException e) {
      ended = true;
      return Optional.empty();
    }
  }

  @Override
  public void close() throws IOException {
    ended = true;
    try {
      body.close();
    } finally {
      connection.disconnect();
    }
  }

  private void skipToDelimiter() throws IOException {
    String line;
    do {
      line = readLine();
    } while (!line.startsWith(new String(delimiter, StandardCharsets.ISO_8859_1)));
    if (line.endsWith("--")) {
      throw new EOFException("closing delimiter");
    }
  }

  /** Reads header lines up to the blank one; returns the content length, or -1 when the part has none. */
  private int readPartHeaders() throws IOException {
    int contentLength = -1;
    String line = readLine();
    while (line.isEmpty()) {
      line = readLine(); // tolerate blank lines between the delimiter and the headers
    }
    for (; !line.isEmpty(); line = readLine()) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
        contentLength = Integer.parseInt(line.substring(colon + 1).trim());
        if (contentLength < 0 || contentLength > maxFrameBytes) {
          throw new IOException("camera stream part of " + contentLength + " bytes (limit " + maxFrameBytes + ")");
        }
      }
    }
    return contentLength;
  }

  private byte[] readExactly(int length) throws IOException {
    byte[] bytes = body.readNBytes(length);
    if (bytes.length < length) {
      throw new EOFException("stream ended inside a part");
    }
    return bytes;
  }

  /** Reads a part without a length: up to the line break before the next delimiter, which it consumes. */
  private byte[] readUntilDelimiter() throws IOException {
    ByteArrayOutputStream part = new ByteArrayOutputStream(64 * 1024);
    int matched = 0;
    while (true) {
      int b = body.read();
      if (b < 0) {
        throw new EOFException("stream ended inside a part");
      }
      part.write(b);
      while (matched > 0 && (byte) b != delimiter[matched]) {
        matched = fallback[matched - 1];
      }
      matched += (byte) b == delimiter[matched] ? 1 : 0;
      if (matched == delimiter.length) {
        byte[] bytes = part.toByteArray();
        int end = bytes.length - delimiter.length;
        end -= end > 0 && bytes[end - 1] == '\n' ? 1 : 0;
        end -= end > 0 && bytes[end - 1] == '\r' ? 1 : 0;
        String rest = readLine();
        if (rest.startsWith("--")) {
          ended = true; // closing delimiter: this was the last part
        }
        return Arrays.copyOf(bytes, end);
      }
      if (part.size() > maxFrameBytes) {
        throw new IOException("camera stream part larger than " + maxFrameBytes + " bytes");
      }
    }
  }

  /** Knuth-Morris-Pratt: for each prefix, the length of its longest proper prefix that is also its suffix. */
  private static int[] fallbackTable(byte[] pattern) {
    int[] table = new int[pattern.length];
    for (int i = 1, k = 0; i < pattern.length; i++) {
      while (k > 0 && pattern[i] != pattern[k]) {
        k = table[k - 1];
      }
      k += pattern[i] == pattern[k] ? 1 : 0;
      table[i] = k;
    }
    return table;
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    int b;
    while ((b = body.read()) != '\n') {
      if (b < 0) {
        throw new EOFException("stream ended");
      }
      if (line.length() >= MAX_LINE) {
        throw new IOException("camera stream line longer than " + MAX_LINE + " bytes");
      }
      line.append((char) b);
    }
    int length = line.length();
    return length > 0 && line.charAt(length - 1) == '\r' ? line.substring(0, length - 1) : line.toString();
  }
}
