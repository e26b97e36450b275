package io.fleet.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Plain HTTP/1.1 requests sent from a chosen loopback address (127.0.0.2, 127.0.0.3, …), so a test can be
 * several clients: Fleet counts failed authentications per client address. One connection per request.
 */
final class LoopbackClient {
  private final String from;
  private final int port;

  LoopbackClient(String from, int port) {
    this.from = from;
    this.port = port;
  }

  /** Status, headers (by lower-case name) and body of one answer. */
  record Answer(int status, Map<String, String> headers, String body) {}

  Answer get(String path, String authorization) {
    return send("GET " + path, authorization, null);
  }

  Answer put(String path, String authorization, String contentType, byte[] body) {
    return send("PUT " + path, authorization, contentType, body);
  }

  private Answer send(String requestLine, String authorization, String contentType, byte[]... body) {
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(15_000);
      StringBuilder head = new StringBuilder(requestLine).append(" HTTP/1.1\r\nHost: 127.0.0.1:").append(port)
          .append("\r\nConnection: close\r\n");
      if (authorization != null) head.append("Authorization: ").append(authorization).append("\r\n");
      byte[] content = body.length == 0 || body[0] == null ? null : body[0];
      if (content != null) {
        head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(content.length).append("\r\n");
      }
      head.append("\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
      if (content != null) out.write(content);
      out.flush();
      return parse(socket.getInputStream());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Answer parse(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    in.transferTo(all);
    String text = all.toString(StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    String[] lines = text.substring(0, end).split("\r\n");
    Map<String, String> headers = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(), lines[i].substring(colon + 1).trim());
    }
    return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, text.substring(end + 4));
  }
}
