package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Fleet node in a child JVM, to be killed without a shutdown (SIGKILL): runs {@code main} of a class
 * on this test's class path with the data directory as its argument, and follows the last number it
 * printed after {@code "<counter> "} on a line of its own. Its output is kept in memory and, when given a log
 * file, copied there line by line (to read after a failure).
 */
public final class ChildNode {
  private final Process process;
  private final Thread reader;
  private final AtomicLong count = new AtomicLong();
  private final List<String> output = new ArrayList<>();

  private ChildNode(Process process, String counter, Optional<PrintWriter> log) {
    this.process = process;
    this.reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        r.lines().forEach(line -> {
          synchronized (output) {
            output.add(line);
          }
          log.ifPresent(file -> file.println(line));
          if (line.startsWith(counter + " ")) count.set(Long.parseLong(line.substring(counter.length() + 1).trim()));
        });
      } catch (Exception ignored) {
        // the child was killed
      } finally {
        log.ifPresent(PrintWriter::close);
      }
    });
    reader.start();
  }

  static ChildNode start(Class<?> main, Path dataDir, String heap, String counter) throws Exception {
    return start(main, heap, counter, dataDir.toString());
  }

  /** Runs {@code main} with these arguments. */
  public static ChildNode start(Class<?> main, String heap, String counter, String... args) throws Exception {
    return new ChildNode(launch(main, heap, args), counter, Optional.empty());
  }

  /** Runs {@code main} with these arguments, its output also written to {@code log}. */
  public static ChildNode start(Class<?> main, String heap, String counter, Path log, String... args) throws Exception {
    return start(List.of(), main, heap, counter, log, args);
  }

  /**
   * The same, the JVM started by {@code wrapper} (e.g. {@code ip netns exec <namespace>}, which runs it in a network
   * namespace; the wrapper must exec the JVM, so that a kill reaches it).
   */
  public static ChildNode start(List<String> wrapper, Class<?> main, String heap, String counter, Path log, String... args)
      throws Exception {
    // Appended to: a node started again on the same directory keeps its earlier incarnation's output.
    PrintWriter file = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND), true);
    return new ChildNode(launch(wrapper, main, heap, args), counter, Optional.of(file));
  }

  private static Process launch(Class<?> main, String heap, String... args) throws Exception {
    return launch(List.of(), main, heap, args);
  }

  private static Process launch(List<String> wrapper, Class<?> main, String heap, String... args) throws Exception {
    List<String> command = new ArrayList<>(wrapper);
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "-Xmx" + heap, main.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** The first line the child printed that starts with {@code prefix}, awaited; fails with its output if it died first. */
  public String awaitLine(String prefix, Duration within) {
    await("the child prints " + prefix).atMost(within).until(() -> line(prefix).isPresent() || !process.isAlive());
    synchronized (output) {
      return line(prefix).orElseThrow(() -> new AssertionError("the child ended; its output:\n" + tail(60)));
    }
  }

  private Optional<String> line(String prefix) {
    synchronized (output) {
      return output.stream().filter(l -> l.startsWith(prefix)).findFirst();
    }
  }

  /** The last line the child printed that starts with {@code prefix}, if any. */
  public Optional<String> lastLine(String prefix) {
    synchronized (output) {
      for (int i = output.size() - 1; i >= 0; i--) if (output.get(i).startsWith(prefix)) return Optional.of(output.get(i));
      return Optional.empty();
    }
  }

  /** The child's operating-system process id. */
  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** The child's exit status once it has ended by itself or been killed. */
  public Optional<Integer> exitStatus() {
    return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
  }

  /** Waits until the counter reached {@code atLeast}, failing with the child's output if it died first. */
  public void awaitCount(long atLeast, Duration within) {
    await("the child counts to " + atLeast).atMost(within).until(() -> count.get() >= atLeast || !process.isAlive());
    synchronized (output) {
      assertThat(process.isAlive()).as("child output: %s", output).isTrue();
    }
  }

  /** The last number the child printed after its counter's name. */
  public long count() {
    return count.get();
  }

  /** The child's last {@code lines} lines of output, for a failure's message. */
  public String tail(int lines) {
    synchronized (output) {
      return String.join(System.lineSeparator(), output.subList(Math.max(0, output.size() - lines), output.size()));
    }
  }

  /** Stops the child at once (SIGKILL). */
  public void kill() throws Exception {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    reader.join(5000);
  }

  /** Waits until the counter reached {@code atLeast} (failing with the child's output if it died), then kills it. */
  long killOnceAt(long atLeast, Duration within) throws Exception {
    try {
      await("the child node counts to " + atLeast).atMost(within).until(() -> count.get() >= atLeast || !process.isAlive());
      synchronized (output) {
        assertThat(process.isAlive()).as("child output: %s", output).isTrue();
      }
      return count.get();
    } finally {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      reader.join(5000);
    }
  }
}
