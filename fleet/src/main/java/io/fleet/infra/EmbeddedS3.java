package io.fleet.infra;

import java.net.URI;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * S3Proxy serving the S3 protocol from a directory: jclouds' {@code filesystem} blob store under
 * {@code <data-dir>/s3} (one sub directory per bucket, one file per object), on
 * {@code http://127.0.0.1:<port kept as s3>}, AWS V2 or V4 signatures with access key {@value #ACCESS_KEY}
 * and a secret kept in {@code secrets.properties} (key {@code s3}).
 *
 * <p>State: the objects are plain files, written by jclouds through a temporary file and a rename, so
 * they survive restarts and crashes; an interrupted multipart upload leaves parts that a later upload
 * with the same key replaces. Port and secret are kept, so presigned URLs and clients stay valid.
 */
public final class EmbeddedS3 implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedS3.class);
  public static final String ACCESS_KEY = "fleet";
  private static final long START_TIMEOUT_MS = 30_000;

  private final S3Proxy proxy;
  private final BlobStoreContext context;
  private final String endpoint;
  private final String secretKey;
  private boolean closed;

  private EmbeddedS3(S3Proxy proxy, BlobStoreContext context, String endpoint, String secretKey) {
    this.proxy = proxy;
    this.context = context;
    this.endpoint = endpoint;
    this.secretKey = secretKey;
  }

  /** Starts S3Proxy, creates {@code bucket} when missing, and returns once it serves requests. */
  public static EmbeddedS3 start(DataDirectory dataDirectory, String bucket) {
    return start(dataDirectory, bucket, "127.0.0.1");
  }

  /** The same, listening on {@code bindHost} (0.0.0.0: every interface). */
  public static EmbeddedS3 start(DataDirectory dataDirectory, String bucket, String bindHost) {
    long started = System.nanoTime();
    int port = dataDirectory.portFor("s3");
    Ports.requireFree("S3 (S3Proxy)", dataDirectory, port);
    String secretKey = dataDirectory.secret("s3");
    Path baseDir = dataDirectory.subdirectory("s3");

    Properties overrides = new Properties();
    overrides.setProperty("jclouds.filesystem.basedir", baseDir.toString());
    BlobStoreContext context = ContextBuilder.newBuilder("filesystem")
        .overrides(overrides)
        .buildView(BlobStoreContext.class);
    String endpoint = "http://" + EmbeddedHosts.connectHost(bindHost) + ":" + port;
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(context.getBlobStore())
        .endpoint(URI.create("http://" + (bindHost.contains(":") ? "[" + bindHost + "]" : bindHost) + ":" + port))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, secretKey)
        .build();
    try {
      BlobStore store = context.getBlobStore();
      if (!store.containerExists(bucket)) {
        store.createContainerInLocation(null, bucket);
        log.info("Created bucket {} in {}", bucket, baseDir);
      }
      proxy.start();
      awaitStarted(proxy);
    } catch (Exception e) {
      try {
        proxy.stop();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      context.close();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("embedded S3 failed to start on " + endpoint, e);
    }
    log.info("Embedded S3 (S3Proxy) on {} serving {} started in {} ms", endpoint, baseDir,
        (System.nanoTime() - started) / 1_000_000);
    return new EmbeddedS3(proxy, context, endpoint, secretKey);
  }

  /** Where Fleet reaches it: {@code http://127.0.0.1:<port>} (or the bind host when it names one). */
  public String endpoint() {
    return endpoint;
  }

  public String accessKey() {
    return ACCESS_KEY;
  }

  public String secretKey() {
    return secretKey;
  }

  /** Stops the HTTP server and closes the blob store. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      proxy.stop();
    } catch (Exception e) {
      log.warn("Embedded S3 did not stop cleanly", e);
    } finally {
      context.close();
    }
    log.info("Embedded S3 on {} stopped", endpoint);
  }

  /** S3Proxy.start() returns before Jetty has bound; its state says when it has. */
  private static void awaitStarted(S3Proxy proxy) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    while (!"STARTED".equals(proxy.getState())) {
      if ("FAILED".equals(proxy.getState()) || System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy state " + proxy.getState());
      }
      Thread.sleep(10);
    }
  }
}
