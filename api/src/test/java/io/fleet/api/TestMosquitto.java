package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Mosquitto process of a test's own, on a port of its own (the machine's broker on 1883 stays as it is),
 * its configuration and log in {@code dir}. It can be stopped (SIGTERM: Mosquitto saves what it keeps on
 * disk), killed and started again with the same configuration and port. Started as root, Mosquitto runs as
 * its own user: {@code dir} and everything in it is opened to every user, so give it a directory of its own; one
 * that keeps its state on disk needs parents that let that user through (a {@code @TempDir}, not a directory in one).
 */
public final class TestMosquitto implements AutoCloseable {
  static final Path EXECUTABLE = Path.of("/usr/sbin/mosquitto");

  private final Path dir;
  private final Path conf;
  private final int port;
  private Process process;

  private TestMosquitto(Path dir, Path conf, int port) {
    this.dir = dir;
    this.conf = conf;
    this.port = port;
  }

  public static boolean installed() {
    return Files.isExecutable(EXECUTABLE);
  }

  /** Anonymous Mosquitto on a free port of 127.0.0.1, {@code settings} (lines of mosquitto.conf) added. */
  public static TestMosquitto anonymous(Path dir, String settings) {
    int port = LocalPorts.free();
    return start(dir, port, "listener " + port + " 127.0.0.1\nallow_anonymous true\n" + settings);
  }

  /** Mosquitto with the whole configuration {@code conf}, which must listen on {@code port}. */
  static TestMosquitto start(Path dir, int port, String conf) {
    try {
      Files.createDirectories(dir);
      Path file = dir.resolve("mosquitto.conf");
      Files.writeString(file, conf);
      TestMosquitto broker = new TestMosquitto(dir, file, port);
      broker.startAgain();
      return broker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String url() {
    return "tcp://127.0.0.1:" + port;
  }

  int port() {
    return port;
  }

  /** The running process's operating-system process id. */
  public long pid() {
    return process.pid();
  }

  /** Starts the process (again) with the same configuration and port; returns once it listens. */
  void startAgain() {
    assertThat(process == null || !process.isAlive()).as("Mosquitto on %d already running", port).isTrue();
    try {
      openToAll();
      process = new ProcessBuilder(EXECUTABLE.toString(), "-c", conf.toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.log").toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    await("Mosquitto on " + port).atMost(Duration.ofSeconds(20)).until(() -> LocalPorts.listening(port));
  }

  /** SIGTERM, and waits until the process has exited: a persistent broker has saved its state by then. */
  void stop() {
    end(false);
  }

  /** SIGKILL, and waits until the process has exited. */
  void kill() {
    end(true);
  }

  private void end(boolean forcibly) {
    if (process == null) return;
    if (forcibly) process.destroyForcibly();
    else process.destroy();
    try {
      process.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assertThat(process.isAlive()).as("Mosquitto on %d still running", port).isFalse();
  }

  private void openToAll() throws IOException {
    List<Path> all;
    try (Stream<Path> files = Files.walk(dir)) {
      all = files.toList();
    }
    for (Path p : all) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxrwxrwx" : "rw-rw-rw-"));
    }
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) end(false);
  }
}
