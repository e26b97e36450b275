package io.fleet.api;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clip of pseudo-random bytes of a given length, made as it is read (never whole in memory), with its
 * SHA-256 and the time its last byte was read.
 */
final class GeneratedClip extends InputStream {
  private final long size;
  private final SplittableRandom random;
  private final MessageDigest digest;
  private final byte[] block = new byte[64 * 1024];
  private final AtomicLong lastByteAt = new AtomicLong(Long.MAX_VALUE);
  private long produced;
  private int blockPos = block.length;

  GeneratedClip(long size, long seed) throws Exception {
    this.size = size;
    this.random = new SplittableRandom(seed);
    this.digest = MessageDigest.getInstance("SHA-256");
  }

  @Override
  public int read() {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) {
    if (produced >= size) {
      lastByteAt.compareAndSet(Long.MAX_VALUE, System.nanoTime());
      return -1;
    }
    if (blockPos == block.length) {
      for (int i = 0; i < block.length; i += 8) {
        long r = random.nextLong();
        for (int j = 0; j < 8; j++) block[i + j] = (byte) (r >>> (8 * j));
      }
      blockPos = 0;
    }
    int n = (int) Math.min(Math.min(len, block.length - blockPos), size - produced);
    System.arraycopy(block, blockPos, b, off, n);
    digest.update(block, blockPos, n);
    blockPos += n;
    produced += n;
    if (produced == size) lastByteAt.compareAndSet(Long.MAX_VALUE, System.nanoTime());
    return n;
  }

  long lastByteAtNanos() {
    return lastByteAt.get();
  }

  /** A request body that reads this clip as it is sent, with its length declared up front. */
  HttpRequest.BodyPublisher body() {
    return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> this), size);
  }

  synchronized String sha256() {
    return HexFormat.of().formatHex(digest.digest());
  }
}
