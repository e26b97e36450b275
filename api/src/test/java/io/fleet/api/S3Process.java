package io.fleet.api;

import io.fleet.infra.DataDirectory;
import io.fleet.infra.EmbeddedS3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * S3 as a process of its own (S3Proxy on a directory, in a child JVM), so that no Fleet node under test holds
 * it. Its objects, port and secret live in {@code dir}; its output goes to {@code s3.log}. {@link #close()} kills it.
 */
public final class S3Process implements AutoCloseable {
  private final ChildNode child;

  private S3Process(ChildNode child) {
    this.child = child;
  }

  /** Starts the process; returns at once (the getters wait until it serves), so others can start meanwhile. */
  public static S3Process start(Path dir, String bucket) throws Exception {
    return start(dir, bucket, "127.0.0.1");
  }

  /** The same, listening on {@code host} (an address of this machine) instead of 127.0.0.1. */
  public static S3Process start(Path dir, String bucket, String host) throws Exception {
    Files.createDirectories(dir);
    return new S3Process(ChildNode.start(Main.class, "192m", "UP", dir.resolve("s3.log"), dir.resolve("data").toString(), bucket, host));
  }

  public String endpoint() {
    return started()[1];
  }

  public String accessKey() {
    return EmbeddedS3.ACCESS_KEY;
  }

  public String secretKey() {
    return started()[2];
  }

  private String[] started() {
    return child.awaitLine("s3 ", Duration.ofSeconds(60)).split(" ");
  }

  /** The process's operating-system process id. */
  public long pid() {
    return child.pid();
  }

  @Override
  public void close() throws Exception {
    child.kill();
  }

  /** The child: serves bucket {@code args[1]} from the data directory {@code args[0]} on host {@code args[2]}; prints {@code s3 <endpoint> <secret>}. */
  public static final class Main {
    public static void main(String[] args) throws Exception {
      EmbeddedS3 s3 = EmbeddedS3.start(DataDirectory.open(Path.of(args[0])), args[1], args[2]);
      System.out.println("s3 " + s3.endpoint() + " " + s3.secretKey());
      Thread.currentThread().join();
    }
  }
}
