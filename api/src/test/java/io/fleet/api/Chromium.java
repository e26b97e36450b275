package io.fleet.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Debian's headless Chromium, for tests that look at a page as a person's browser renders it. */
final class Chromium {
  static final Path BINARY = Path.of("/usr/bin/chromium");

  private Chromium() {}

  static boolean available() {
    return Files.isExecutable(BINARY);
  }

  /** Loads the URL, lets its scripts run (virtual time, for pages that go quiet), returns the DOM they left. */
  static String dumpDom(String url) throws IOException, InterruptedException {
    return dump(url, "--virtual-time-budget=10000");
  }


  private static String dump(String url, String timing) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("chromium-profile");
    Process p = new ProcessBuilder(List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
            "--user-data-dir=" + profile, timing, "--dump-dom", url))
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    CompletableFuture<byte[]> dom = CompletableFuture.supplyAsync(() -> {
      try {
        return p.getInputStream().readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("chromium did not finish within 60 s");
    }
    return new String(dom.join(), StandardCharsets.UTF_8);
  }
}
