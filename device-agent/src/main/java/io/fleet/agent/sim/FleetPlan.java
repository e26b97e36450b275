package io.fleet.agent.sim;

import io.fleet.agent.edge.ClipUpload;
import io.fleet.agent.sim.camera.SampleClip;
import io.fleet.protocol.DeviceId;
import io.fleet.protocol.DeviceKind;
import io.fleet.protocol.TrustedCertificates;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What a simulated fleet is, as its {@link SimulatedFleet.Builder} was told: which devices (their ids, kinds and
 * households, and which of them misbehave and how) and how they behave (heartbeat intervals, firmware, telemetry,
 * the cameras' motion episodes, the seed of their randomness). Broker and timeouts are {@link FleetLauncher}'s.
 * Immutable; {@link #devices()} lists the devices without starting anything.
 *
 * @param ids explicit device ids; null for {@code count} numbered ones starting with {@code idPrefix}
 * @param perKind counts per kind, in blocks; null to give the devices {@code kinds} in turn
 * @param intervalOf heartbeat intervals of the kinds that do not take {@code interval}
 * @param fleetApi Fleet's API for the cameras' clip uploads; null: no motion episodes
 * @param clip the clip cameras upload; null for the shared {@link SampleClip}
 * @param seed the seed of batteries, signal levels, telemetry and heartbeat offsets; null: random
 * @param caFile the certificates the cameras' HTTPS client trusts; null: the Java runtime's
 */
record FleetPlan(
    List<String> ids,
    int count,
    String idPrefix,
    List<DeviceKind> kinds,
    Map<DeviceKind, Integer> perKind,
    int households,
    double misbehavingShare,
    List<Misbehaviour> misbehaviours,
    int oversizedBytes,
    Duration interval,
    Map<DeviceKind, Duration> intervalOf,
    String firmware,
    boolean telemetry,
    URI fleetApi,
    Duration motionGap,
    byte[] clip,
    int maxClipUploads,
    Long seed,
    Path caFile) {

  FleetPlan {
    ids = ids == null ? null : List.copyOf(ids);
    kinds = List.copyOf(kinds);
    perKind = perKind == null ? null : Map.copyOf(perKind);
    misbehaviours = List.copyOf(misbehaviours);
    intervalOf = Map.copyOf(intervalOf);
  }

  /** The devices to start, in order: their ids, kinds, households and misbehaviours. */
  List<DevicePlan> devices() {
    List<String> deviceIds = ids != null ? ids : numberedIds();
    List<DeviceKind> kindOfEach = kindsOf(deviceIds.size());
    int misbehavingCount = (int) Math.round(misbehavingShare * deviceIds.size());
    List<DevicePlan> plan = new ArrayList<>(deviceIds.size());
    for (int i = 0; i < deviceIds.size(); i++) {
      plan.add(new DevicePlan(deviceIds.get(i), kindOfEach.get(i), "household-" + (i % households + 1),
          misbehaviourOf(i, deviceIds.size(), misbehavingCount)));
    }
    return plan;
  }

  Duration intervalOf(DeviceKind kind) {
    return intervalOf.getOrDefault(kind, interval);
  }

  SplittableRandom random() {
    return seed == null ? new SplittableRandom() : new SplittableRandom(seed);
  }

  /** The cameras' motion episodes, with the upload client and slots they share; null when they have none. */
  CameraMotionPlan cameraMotion() {
    if (fleetApi == null) {
      return null;
    }
    byte[] mp4 = clip;
    return new CameraMotionPlan(fleetApi, motionGap, mp4 != null ? () -> mp4 : SampleClip::bytes, maxClipUploads,
        caFile == null ? ClipUpload.httpClient() : ClipUpload.httpClient(TrustedCertificates.clientContext(caFile)));
  }

  /**
   * What a device does besides heartbeats: {@code random} seeds a well-behaved device's telemetry,
   * {@code groundTruth} takes a misbehaving one's acknowledged messages, {@code motion} is the fleet's (or null).
   */
  Behaviour behaviourOf(
      DevicePlan device, SplittableRandom random, Consumer<MalformedMessage> groundTruth, CameraMotionPlan motion) {
    TelemetryFeed feed = telemetry && device.misbehaviour() == null
        ? TelemetryFeed.of(device.kind(), device.id(), random.nextLong())
        : TelemetryFeed.none();
    return new Behaviour(feed, device.misbehaviour(), oversizedBytes, groundTruth, motion);
  }

  /** Misbehaving devices are spread evenly: device {@code i} misbehaves if it starts a new stride. */
  private Misbehaviour misbehaviourOf(int i, int total, int misbehavingCount) {
    if (misbehavingCount == 0) {
      return null;
    }
    long slot = (long) i * misbehavingCount / total;
    long previous = i == 0 ? -1 : (long) (i - 1) * misbehavingCount / total;
    return slot != previous ? misbehaviours.get((int) (slot % misbehaviours.size())) : null;
  }

  /** Per-kind counts in blocks (cameras, sensors, trackers), or the kinds in turn. */
  private List<DeviceKind> kindsOf(int total) {
    List<DeviceKind> out = new ArrayList<>(total);
    if (perKind != null && ids == null) {
      for (DeviceKind kind : DeviceKind.values()) {
        for (int n = perKind.getOrDefault(kind, 0); n > 0; n--) {
          out.add(kind);
        }
      }
    } else {
      for (int i = 0; i < total; i++) {
        out.add(kinds.get(i % kinds.size()));
      }
    }
    return out;
  }

  private List<String> numberedIds() {
    int count = perKind == null ? this.count : perKind.values().stream().mapToInt(Integer::intValue).sum();
    if (count < 1) {
      throw new IllegalStateException("a fleet needs at least one device");
    }
    int digits = Math.max(4, String.valueOf(count - 1).length());
    String format = "%s%0" + digits + "d";
    return IntStream.range(0, count).mapToObj(i -> String.format(format, idPrefix, i))
        .map(DeviceId::require)
        .collect(Collectors.toList());
  }
}
