package io.fleet.vision.clip;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves one clip at {@code /clip.mp4}, with HTTP range requests as a browser needs them for an MP4 whose index
 * comes last, and an HTML page at {@code /} on 127.0.0.1.
 */
final class ClipServer implements AutoCloseable {

  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

  private final HttpServer server;
  private final AtomicInteger rangeRequests = new AtomicInteger();

  ClipServer(Path clip, String page) throws IOException {
    byte[] bytes = Files.readAllBytes(clip);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/clip.mp4", exchange -> serveClip(exchange, bytes));
    server.createContext("/", exchange -> {
      byte[] html = page.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
      exchange.sendResponseHeaders(200, html.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(html);
      }
    });
    server.start();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  int rangeRequests() {
    return rangeRequests.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void serveClip(HttpExchange exchange, byte[] clip) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "video/mp4");
    exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
    String range = exchange.getRequestHeaders().getFirst("Range");
    Matcher matcher = range == null ? null : RANGE.matcher(range.trim());
    int from = 0;
    int to = clip.length - 1;
    int status = 200;
    if (matcher != null && matcher.matches()) {
      rangeRequests.incrementAndGet();
      from = Integer.parseInt(matcher.group(1));
      to = matcher.group(2).isEmpty() ? to : Math.min(to, Integer.parseInt(matcher.group(2)));
      if (from > to) {
        exchange.getResponseHeaders().set("Content-Range", "bytes */" + clip.length);
        exchange.sendResponseHeaders(416, -1);
        exchange.close();
        return;
      }
      status = 206;
      exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + clip.length);
    }
    exchange.sendResponseHeaders(status, to - from + 1L);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(clip, from, to - from + 1);
    }
  }
}
