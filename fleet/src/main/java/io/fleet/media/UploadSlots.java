package io.fleet.media;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many clip uploads stream at once, per node and per device. A slot is taken before an upload
 * starts and given back when it ends, however it ends; without a free slot the upload is refused at
 * once (the caller answers 429), so a slow S3 holds devices back instead of filling memory. In memory
 * only: a restarted node starts with every slot free, as its uploads died with it.
 */
public final class UploadSlots {
  private final int perNode;
  private final int perDevice;
  private final AtomicInteger node = new AtomicInteger();
  private final ConcurrentHashMap<String, Integer> devices = new ConcurrentHashMap<>();

  public UploadSlots(int perNode, int perDevice) {
    this.perNode = perNode;
    this.perDevice = perDevice;
  }

  /** Takes a slot for {@code deviceId}; false when the node or the device has none free. */
  public boolean tryAcquire(String deviceId) {
    if (node.incrementAndGet() > perNode) {
      node.decrementAndGet();
      return false;
    }
    boolean[] granted = {false};
    devices.compute(deviceId, (id, n) -> {
      int taken = n == null ? 0 : n;
      granted[0] = taken < perDevice;
      return granted[0] ? taken + 1 : (taken == 0 ? null : taken);
    });
    if (!granted[0]) node.decrementAndGet();
    return granted[0];
  }

  /** Gives back a slot {@link #tryAcquire} granted. */
  public void release(String deviceId) {
    devices.computeIfPresent(deviceId, (id, n) -> n <= 1 ? null : n - 1);
    node.decrementAndGet();
  }

  /** Uploads streaming now on this node. */
  public int inUse() {
    return node.get();
  }
}
