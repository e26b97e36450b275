package io.fleet.api;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of a test's own, so that the test may stop it (the machine's PostgreSQL is shared by
 * other tests): a cluster initialised in a temporary directory, listening on a free port of 127.0.0.1 with
 * trust authentication for user {@code postgres}. {@link #crash()} stops it as a crash would ({@code pg_ctl
 * -m immediate}: no checkpoint, clients cut off), {@link #start()} starts it again on the same directory
 * and port, recovering from its WAL. PostgreSQL refuses to run as root, so as root its tools run as the
 * {@code postgres} user, which owns the directory. {@link #close()} stops it and deletes the directory.
 */
public final class PrivatePostgres implements AutoCloseable {
  private static final Path INSTALLS = Path.of("/usr/lib/postgresql");

  private final Path bin;
  private final Path dir;
  private final Path data;
  private final int port;
  private final String host;
  private boolean running;

  private PrivatePostgres(Path bin, Path dir, int port, String host) {
    this.bin = bin;
    this.dir = dir;
    this.data = dir.resolve("data");
    this.port = port;
    this.host = host;
  }

  /** The newest installed PostgreSQL's {@code bin} directory holding {@code initdb} and {@code pg_ctl}, if any. */
  public static Optional<Path> binaries() {
    if (!Files.isDirectory(INSTALLS)) return Optional.empty();
    try (Stream<Path> versions = Files.list(INSTALLS)) {
      return versions.map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
          .max(Comparator.comparing(b -> version(b.getParent().getFileName().toString())));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Initialises a cluster in a fresh temporary directory and starts it. */
  public static PrivatePostgres start(Path bin) throws IOException, InterruptedException {
    return start(bin, "127.0.0.1");
  }

  /**
   * The same, listening on {@code host} (an address of this machine) too, trusting clients from anywhere: for clients
   * on other hosts, e.g. in network namespaces of their own.
   */
  public static PrivatePostgres start(Path bin, String host) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("fleet-pg-");
    PrivatePostgres pg = new PrivatePostgres(bin, dir, LocalPorts.free(), host);
    try {
      if (asRoot()) run(List.of("chown", "-R", "postgres:postgres", dir.toString()), dir);
      pg.pgTool("initdb", "-D", pg.data.toString(), "-A", "trust", "-U", "postgres", "--no-sync");
      if (!host.equals("127.0.0.1")) {
        Files.writeString(pg.data.resolve("pg_hba.conf"), "host all all 0.0.0.0/0 trust\n", StandardOpenOption.APPEND);
      }
      pg.start();
      return pg;
    } catch (IOException | RuntimeException e) {
      pg.close();
      throw e;
    }
  }

  /** The JDBC URL of its database {@code postgres}, user {@code postgres}. */
  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/postgres?user=postgres";
  }

  /** The running server's process id (its postmaster's, the first line of {@code postmaster.pid}). */
  public long pid() throws IOException {
    return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
  }

  /** Starts the server (again) on its directory and port; returns once it accepts connections. */
  void start() throws IOException, InterruptedException {
    pgTool("pg_ctl", "-D", data.toString(), "-w", "-t", "60", "-l", dir.resolve("postgres.log").toString(),
        "-o", "-p " + port + " -k " + dir + " -c listen_addresses=" + (host.equals("127.0.0.1") ? host : "127.0.0.1," + host), "start");
    running = true;
  }

  /** Stops the server at once, as a crash would: no shutdown checkpoint, every connection cut. */
  void crash() throws IOException, InterruptedException {
    pgTool("pg_ctl", "-D", data.toString(), "-m", "immediate", "-w", "stop");
    running = false;
  }

  @Override
  public void close() {
    try {
      if (running) crash();
    } catch (IOException | InterruptedException | RuntimeException e) {
      System.err.println("PrivatePostgres: could not stop the server in " + dir + ": " + e);
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void pgTool(String tool, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    if (asRoot()) command.addAll(List.of("runuser", "-u", "postgres", "--"));
    command.add(bin.resolve(tool).toString());
    command.addAll(List.of(args));
    run(command, dir);
  }

  /** Runs {@code command} to its end; its output goes to a file, since the server it starts keeps pipes open. */
  private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
    File output = dir.resolve("tool-output.txt").toFile();
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(output)).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + command);
    }
    if (p.exitValue() != 0) {
      throw new IOException(command + " exited with " + p.exitValue() + ":\n" + Files.readString(output.toPath()));
    }
  }

  private static boolean asRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static int version(String name) {
    try {
      return Integer.parseInt(name.replaceAll("\\..*", ""));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
