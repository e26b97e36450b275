package io.fleet.agent.sim;

import io.fleet.agent.edge.ClipUpload;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The plan for a fleet's cameras' motion episodes: where Fleet's API is (for presigned clip uploads), the mean time
 * between one camera's episodes, the clip they upload, and the HTTP client and the bound on uploads in flight that
 * all cameras share (one more episode waits for a later beat). Owns that client and counter; nothing durable.
 */
final class CameraMotionPlan {
  private final URI fleetApi;
  private final Duration meanGap;
  private final Supplier<byte[]> clip;
  private final HttpClient http;
  private final int maxUploads;
  private final AtomicInteger uploading = new AtomicInteger();

  CameraMotionPlan(URI fleetApi, Duration meanGap, Supplier<byte[]> clip, int maxUploads, HttpClient http) {
    this.http = http;
    this.fleetApi = Objects.requireNonNull(fleetApi, "fleetApi");
    this.meanGap = Objects.requireNonNull(meanGap, "meanGap");
    this.clip = Objects.requireNonNull(clip, "clip");
    this.maxUploads = maxUploads;
  }

  ClipUpload uploadFor(String deviceId, String password) {
    return new ClipUpload(http, fleetApi, deviceId, password == null ? "" : password);
  }

  Duration meanGap() {
    return meanGap;
  }

  byte[] clip() {
    return clip.get();
  }

  /** Takes an upload slot if one is free. */
  boolean tryStartUpload() {
    while (true) {
      int now = uploading.get();
      if (now >= maxUploads) {
        return false;
      }
      if (uploading.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  void uploadDone() {
    uploading.decrementAndGet();
  }
}
