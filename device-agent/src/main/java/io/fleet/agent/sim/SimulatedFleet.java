package io.fleet.agent.sim;

import io.fleet.agent.edge.MqttEndpoint;
import io.fleet.agent.sim.camera.SampleClip;
import io.fleet.protocol.DeviceId;
import io.fleet.protocol.DeviceKind;
import io.fleet.protocol.TrustedCertificates;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A set of virtual devices, each with its own MQTT connection and credentials, publishing heartbeats. Usable from
 * tests, from Fleet's demo mode and from {@link FleetSim}:
 *
 * <pre>{@code
 * try (SimulatedFleet fleet = SimulatedFleet.builder()
 *         .mqtt("tcp://127.0.0.1:1883")
 *         .credentials(deviceId -> passwords.get(deviceId))
 *         .devices(200).idPrefix("sim-")          // sim-0000 .. sim-0199
 *         .kinds(DeviceKind.CAMERA, DeviceKind.SENSOR)
 *         .households(10)
 *         .heartbeatInterval(Duration.ofSeconds(1))
 *         .start()) {
 *     fleet.device("sim-0007").silence();
 * }
 * }</pre>
 *
 * <p>Per-kind counts and rates: {@code .cameras(500).sensors(5000).trackers(50)} makes the cameras first, then
 * the sensors, then the trackers; {@code .heartbeatInterval(DeviceKind.SENSOR, Duration.ofSeconds(30))} sets one
 * kind's interval. {@code .misbehaving(0.01)} makes 1 % of the devices, spread over the fleet, misbehave in each
 * {@link Misbehaviour} in turn; {@link #malformedMessages()} is the ground truth of what they got through.
 *
 * <p>All heartbeats run on one shared scheduler of at most two threads, each device at its own random offset
 * within the interval, so thousands of devices cost a few scheduled tasks, not threads; MQTT I/O runs on the
 * client library's shared Netty event loops. {@link #close()} makes every device say {@code offline} and
 * disconnect.
 *
 * <p>The {@link Builder} collects a {@link FleetPlan} (which devices, how they behave) and hands it to a
 * {@link FleetLauncher} (broker, timeouts), which starts the devices; this class is the running fleet.
 */
public final class SimulatedFleet implements AutoCloseable {

  private final Map<String, VirtualDevice> devices;
  private final ScheduledExecutorService scheduler;
  private final Duration closeTimeout;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<Void> closing = new CompletableFuture<>();
  private final GroundTruth groundTruth;

  /** A started fleet of {@code devices}, whose heartbeats run on {@code scheduler}; see {@link FleetLauncher}. */
  SimulatedFleet(
      Map<String, VirtualDevice> devices, ScheduledExecutorService scheduler, Duration closeTimeout,
      GroundTruth groundTruth) {
    this.devices = devices;
    this.groundTruth = groundTruth;
    this.scheduler = scheduler;
    this.closeTimeout = closeTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The device ids, in creation order. */
  public List<String> deviceIds() {
    return List.copyOf(devices.keySet());
  }

  public Collection<VirtualDevice> devices() {
    return devices.values();
  }

  /** @throws IllegalArgumentException if the fleet has no device with this id */
  public VirtualDevice device(String id) {
    VirtualDevice device = devices.get(id);
    if (device == null) {
      throw new IllegalArgumentException("no simulated device " + id);
    }
    return device;
  }

  public FleetStats stats() {
    int connected = 0;
    long sent = 0;
    long acked = 0;
    long failed = 0;
    int refused = 0;
    Map<DeviceKind, Traffic> byKind = new EnumMap<>(DeviceKind.class);
    Traffic misbehaving = Traffic.NONE;
    MotionCounts motion = MotionCounts.NONE;
    for (VirtualDevice device : devices.values()) {
      motion = motion.plus(device.motionCounts());
      connected += device.isConnected() ? 1 : 0;
      sent += device.heartbeatsSent();
      acked += device.heartbeatsAcked();
      failed += device.heartbeatsFailed();
      refused += device.wasRefused() ? 1 : 0;
      if (device.misbehaviour() == null) {
        byKind.merge(device.kind(), device.traffic(), Traffic::plus);
      } else {
        misbehaving = misbehaving.plus(device.traffic());
      }
    }
    return new FleetStats(devices.size(), connected, sent, acked, failed, byKind, misbehaving, refused, motion);
  }

  /** Every camera's motion events the broker acknowledged, each sent after S3 had its clip. */
  public List<MotionEventSent> motionEvents() {
    return devices.values().stream().flatMap(d -> d.motionEvents().stream()).toList();
  }

  /** The devices that misbehave, in creation order. */
  public List<VirtualDevice> misbehavingDevices() {
    return devices.values().stream().filter(d -> d.misbehaviour() != null).toList();
  }

  /**
   * Ground truth: every message of a misbehaving device that the broker acknowledged, in the order acknowledged
   * (the first {@value GroundTruth#KEPT}; {@link #malformedMessagesDropped()} counts any beyond).
   */
  public List<MalformedMessage> malformedMessages() {
    return groundTruth.messages();
  }

  public long malformedMessagesDropped() {
    return groundTruth.dropped();
  }

  /**
   * Stops the heartbeats and has every connected device publish {@code offline} (retained) and disconnect
   * normally, waiting at most the close timeout. Idempotent.
   */
  @Override
  public void close() {
    closeAsync().join();
  }

  /** Like {@link #close()}, without blocking; the future never fails. */
  public CompletableFuture<Void> closeAsync() {
    if (closed.compareAndSet(false, true)) {
      CompletableFuture.allOf(devices.values().stream().map(VirtualDevice::leave).toArray(CompletableFuture[]::new))
          .orTimeout(closeTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .whenComplete((left, timedOut) -> {
            scheduler.shutdownNow();
            closing.complete(null);
          });
    }
    return closing;
  }

  /** Configures and starts a {@link SimulatedFleet}; only {@link #mqtt(String)} is required. */
  public static final class Builder {

    private MqttEndpoint endpoint;
    private MqttVersion version = MqttVersion.V5;
    private Function<String, String> passwordFor;
    private List<String> ids;
    private int count = 1;
    private String idPrefix = "sim-";
    private List<DeviceKind> kinds = List.of(DeviceKind.values());
    /** Counts per kind, in blocks, instead of {@link #kinds}; null unless one was given. */
    private Map<DeviceKind, Integer> perKind;
    private final Map<DeviceKind, Duration> intervalOf = new EnumMap<>(DeviceKind.class);
    private double misbehavingShare;
    private List<Misbehaviour> misbehaviours = List.of(Misbehaviour.values());
    private int oversizedBytes = 256 * 1024 + 1024;
    private URI fleetApi;
    private Duration motionGap;
    private byte[] clip;
    private int maxClipUploads = 16;
    private boolean telemetry;
    private int households = 1;
    private String firmware = "1.4.2";
    private Duration interval = Duration.ofSeconds(5);
    private Backoff reconnect = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
    private Duration connectTimeout = Duration.ofSeconds(30);
    private Duration closeTimeout = Duration.ofSeconds(10);
    private int connectConcurrency = 256;
    private Long seed;
    private Path caFile;

    private Builder() {}

    /** The broker, as {@code tcp://host:port} (or {@code mqtt://}; port 1883 when left out). */
    public Builder mqtt(String url) {
      this.endpoint = MqttEndpoint.parse(url);
      return this;
    }

    public Builder mqtt(String host, int port) {
      this.endpoint = new MqttEndpoint(host, port);
      return this;
    }

    /** MQTT 5 unless told otherwise. */
    public Builder mqttVersion(MqttVersion version) {
      this.version = Objects.requireNonNull(version, "version");
      return this;
    }

    /**
     * Each device connects with user name = client id = its id and password {@code passwordFor.apply(id)}.
     * Null (the default), or a null password for a device, connects without credentials.
     */
    public Builder credentials(Function<String, String> passwordFor) {
      this.passwordFor = passwordFor;
      return this;
    }

    /** How many devices, named {@code idPrefix} + a zero-padded index of at least four digits. */
    public Builder devices(int count) {
      this.count = atLeast(1, count, "a fleet needs at least one device");
      this.ids = null;
      this.perKind = null;
      return this;
    }

    /** How many cameras; with {@link #sensors} and {@link #trackers} instead of {@link #devices(int)}. */
    public Builder cameras(int count) {
      return count(DeviceKind.CAMERA, count);
    }

    public Builder sensors(int count) {
      return count(DeviceKind.SENSOR, count);
    }

    public Builder trackers(int count) {
      return count(DeviceKind.TRACKER, count);
    }

    /** How many devices of {@code kind}: the numbered ids go to cameras first, then sensors, then trackers. */
    public Builder count(DeviceKind kind, int count) {
      if (count < 0) {
        throw new IllegalArgumentException("cannot have " + count + " " + kind.wireName() + "s");
      }
      if (perKind == null) {
        perKind = new EnumMap<>(DeviceKind.class);
      }
      perKind.put(kind, count);
      this.ids = null;
      return this;
    }

    /** One kind's heartbeat interval (and so the rate of its telemetry or locations), instead of the common one. */
    public Builder heartbeatInterval(DeviceKind kind, Duration interval) {
      requirePositive(interval);
      intervalOf.put(Objects.requireNonNull(kind, "kind"), interval);
      return this;
    }

    /**
     * The share of devices (0 to 1) that misbehave, spread evenly over the fleet, taking the given misbehaviours
     * in turn (default: all of {@link Misbehaviour}). Default 0.
     */
    public Builder misbehaving(double share, Misbehaviour... which) {
      if (!(share >= 0 && share <= 1)) {
        throw new IllegalArgumentException("the misbehaving share is between 0 and 1: " + share);
      }
      this.misbehavingShare = share;
      if (which.length > 0) {
        this.misbehaviours = List.of(which);
      }
      return this;
    }

    /**
     * Cameras have motion episodes, about one every {@code meanGap} each (at random): each uploads a clip into
     * Fleet's bucket through the presigned URL of Fleet's API at {@code fleetApiUrl}, S3 first, then publishes
     * the motion event naming it on {@code fleet/{id}/motion}. The clip is a real H.264 MP4 encoded once and
     * shared ({@link SampleClip}) unless {@link #clip(byte[])} gives one. Off by default.
     */
    public Builder motion(String fleetApiUrl, Duration meanGap) {
      this.fleetApi = URI.create(Objects.requireNonNull(fleetApiUrl, "fleetApiUrl"));
      this.motionGap = requirePositive(meanGap);
      return this;
    }

    /** The clip cameras upload for their motion episodes, instead of the shared sample clip. */
    public Builder clip(byte[] mp4) {
      this.clip = mp4.clone();
      return this;
    }

    /** Clip uploads in flight at once over the whole fleet (more episodes wait for a later beat). Default 16. */
    public Builder maxClipUploads(int max) {
      this.maxClipUploads = atLeast(1, max, "need at least one upload at a time");
      return this;
    }

    /**
     * The size of an {@link Misbehaviour#OVERSIZED} message; default 257 KiB: past Fleet's limit (256 KiB), within
     * its broker's packet limit.
     */
    public Builder oversizedBytes(int bytes) {
      this.oversizedBytes = atLeast(64, bytes, "an oversized message needs at least 64 bytes");
      return this;
    }

    public Builder idPrefix(String idPrefix) {
      this.idPrefix = Objects.requireNonNull(idPrefix, "idPrefix");
      return this;
    }

    /** Explicit device ids instead of {@link #devices(int)} and {@link #idPrefix(String)}. */
    public Builder deviceIds(List<String> ids) {
      if (ids.isEmpty() || Set.copyOf(ids).size() != ids.size()) {
        throw new IllegalArgumentException("device ids must be present and unique: " + ids);
      }
      ids.forEach(DeviceId::require);
      this.ids = List.copyOf(ids);
      return this;
    }

    /**
     * The kinds devices take in turn: {@code kinds(CAMERA)} makes only cameras, {@code kinds(CAMERA, CAMERA,
     * SENSOR)} two cameras for every sensor. Default: camera, sensor, tracker in turn.
     */
    public Builder kinds(DeviceKind first, DeviceKind... more) {
      List<DeviceKind> all = new ArrayList<>();
      all.add(Objects.requireNonNull(first, "first"));
      all.addAll(List.of(more));
      this.kinds = List.copyOf(all);
      this.perKind = null;
      return this;
    }

    /**
     * With {@code true}, sensors also send telemetry (with an injected anomaly now and then) and trackers
     * OwnTracks locations round a loop, one message with each heartbeat. Off by default.
     */
    public Builder telemetry(boolean on) {
      this.telemetry = on;
      return this;
    }

    /** Devices are spread over {@code household-1} .. {@code household-N} in turn. Default 1. */
    public Builder households(int households) {
      this.households = atLeast(1, households, "need at least one household");
      return this;
    }

    /** The firmware version every device starts with. Default {@code 1.4.2}. */
    public Builder firmware(String firmware) {
      this.firmware = Objects.requireNonNull(firmware, "firmware");
      return this;
    }

    /** Default 5 s; a heartbeat reports it as {@code interval_s}, rounded up to whole seconds. */
    public Builder heartbeatInterval(Duration interval) {
      this.interval = requirePositive(interval);
      return this;
    }

    private static int atLeast(int least, int value, String what) {
      if (value < least) {
        throw new IllegalArgumentException(what + ": " + value);
      }
      return value;
    }

    private static Duration requirePositive(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("heartbeat interval must be positive: " + interval);
      }
      return interval;
    }

    /** Reconnect delays double from {@code initial} up to {@code max}, plus up to 25 % jitter. Default 1 s, 30 s. */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      this.reconnect = new Backoff(initial, max);
      return this;
    }

    /** How long {@link #start()} waits for every device to connect. Default 30 s. */
    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
      return this;
    }

    /** How long {@link SimulatedFleet#close()} waits for devices to say goodbye. Default 10 s. */
    public Builder closeTimeout(Duration closeTimeout) {
      this.closeTimeout = Objects.requireNonNull(closeTimeout, "closeTimeout");
      return this;
    }

    /** How many devices connect at once while starting; a burst of thousands can trip a broker's limits. */
    public Builder connectConcurrency(int connectConcurrency) {
      this.connectConcurrency = atLeast(1, connectConcurrency, "connect concurrency must be positive");
      return this;
    }

    /**
     * The certificates to trust (a PEM CA file, or a server's self-signed certificate) for an {@code ssl://} broker
     * and an {@code https://} API. Default: the Java runtime's trusted CAs.
     */
    public Builder trust(Path caFile) {
      this.caFile = Objects.requireNonNull(caFile, "caFile");
      return this;
    }

    /** Makes batteries, signal levels and heartbeat offsets reproducible. Default: random. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Starts the fleet and waits until every device is connected and its {@code online} acknowledged.
     *
     * @throws IllegalStateException if some device failed to connect in time; the fleet is then closed
     */
    public SimulatedFleet start() {
      try {
        return startAsync().join();
      } catch (CompletionException e) {
        throw new IllegalStateException("simulated fleet did not start: " + e.getCause().getMessage(), e.getCause());
      }
    }

    /** Like {@link #start()}, without blocking; on failure the future fails and the fleet is closed. */
    public CompletableFuture<SimulatedFleet> startAsync() {
      if (endpoint == null) {
        throw new IllegalStateException("no broker: call mqtt(url) first");
      }
      BrokerSettings broker = new BrokerSettings(endpoint, version, passwordFor, reconnect,
          caFile == null ? null : TrustedCertificates.trustManagers(caFile));
      return new FleetLauncher(broker, connectTimeout, closeTimeout, connectConcurrency).start(toPlan());
    }

    /** The devices {@link #start()} would start, in order, without starting anything. */
    public List<DevicePlan> plan() {
      return toPlan().devices();
    }

    private FleetPlan toPlan() {
      return new FleetPlan(ids, count, idPrefix, kinds, perKind, households, misbehavingShare, misbehaviours,
          oversizedBytes, interval, intervalOf, firmware, telemetry, fleetApi, motionGap, clip, maxClipUploads, seed, caFile);
    }
  }
}
