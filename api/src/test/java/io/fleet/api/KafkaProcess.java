package io.fleet.api;

import io.fleet.infra.DataDirectory;
import io.fleet.infra.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Kafka as a process of its own (the embedded KRaft broker in a child JVM), so that no Fleet node under test
 * holds it: a node's SIGKILL leaves Kafka running. Its log directory and ports live in {@code dir}; its output
 * goes to {@code kafka.log} next to it. {@link #close()} kills it.
 */
public final class KafkaProcess implements AutoCloseable {
  private final ChildNode child;

  private KafkaProcess(ChildNode child) {
    this.child = child;
  }

  /** Starts the process; returns at once ({@link #bootstrap()} waits until Kafka serves), so others can start meanwhile. */
  public static KafkaProcess start(Path dir) throws Exception {
    return start(dir, "127.0.0.1");
  }

  /** The same, its clients' listener on {@code host} (an address of this machine) instead of 127.0.0.1. */
  public static KafkaProcess start(Path dir, String host) throws Exception {
    Files.createDirectories(dir);
    return new KafkaProcess(ChildNode.start(Main.class, "512m", "UP", dir.resolve("kafka.log"), dir.resolve("data").toString(), host));
  }

  /** Where clients reach it, once it serves. */
  public String bootstrap() {
    return child.awaitLine("kafka ", Duration.ofSeconds(120)).substring("kafka ".length()).trim();
  }

  /** The process's operating-system process id. */
  public long pid() {
    return child.pid();
  }

  @Override
  public void close() throws Exception {
    child.kill();
  }

  /** The child: starts the broker on the data directory {@code args[0]} and host {@code args[1]}, prints {@code kafka <bootstrap>}. */
  public static final class Main {
    public static void main(String[] args) throws Exception {
      EmbeddedKafka kafka = EmbeddedKafka.start(DataDirectory.open(Path.of(args[0])), args[1]);
      System.out.println("kafka " + kafka.bootstrap());
      Thread.currentThread().join();
    }
  }
}
