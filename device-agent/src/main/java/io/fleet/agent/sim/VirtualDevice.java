package io.fleet.agent.sim;

import static io.fleet.agent.sim.DeviceLink.utf8;

import com.hivemq.client.mqtt.lifecycle.MqttClientConnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.lifecycle.MqttDisconnectSource;
import io.fleet.protocol.DeviceId;
import io.fleet.protocol.DeviceKind;
import io.fleet.protocol.HeartbeatMessage;
import io.fleet.protocol.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated camera, sensor or tracker with its own MQTT connection, identity and credentials, publishing
 * heartbeats on the fleet's shared scheduler.
 *
 * <p>It owns its connection, its {@link DeviceHealth} and its counters. After every (re)connect it publishes
 * {@code online}, retained, on its status topic; its last will says {@code offline} there. A lost connection is
 * retried with exponential backoff for as long as the device is not leaving, so a broker restart is survived.
 * Heartbeats due while it is disconnected are skipped, not queued: a late heartbeat would lie about when the
 * device was alive. Nothing survives the JVM.
 *
 * <p>A misbehaving device (see {@link Misbehaviour}) sends its kind of bad message in place of each heartbeat and
 * reports each one the broker acknowledged to the fleet's ground truth; its messages are counted apart.
 */
public final class VirtualDevice {

  private static final Logger log = LoggerFactory.getLogger(VirtualDevice.class);

  private final String id;
  private final DeviceKind kind;
  private final String household;
  private final Duration interval;
  private final int intervalSeconds;
  private final DeviceHealth health;
  private final Backoff reconnect;
  private final Clock clock;
  private final String heartbeatTopic;
  /** Telemetry or locations sent with each heartbeat, if the fleet was built to send them. */
  private final TelemetryFeed telemetry;
  private final String statusTopic;
  private final DeviceLink link;
  /** Null for a well-behaved device. */
  private final Misbehaviour misbehaviour;
  private final int oversizedBytes;
  private final Consumer<MalformedMessage> groundTruth;
  /** A camera's motion episodes; null for other kinds or when the fleet has none. */
  private final CameraMotion motion;
  /** Every publish, heartbeats included. */
  private final Counters messages = new Counters();

  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong acked = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile boolean silenced;
  /** Set when the broker refused the device for good at CONNECT. */
  private volatile boolean refused;
  /** Set when the device goes away on purpose: no more reconnects or heartbeats. */
  private volatile boolean leaving;
  /** The {@code online} publish of the latest connection; {@link #connect()} completes with it. */
  private volatile CompletableFuture<Void> online = CompletableFuture.completedFuture(null);
  private ScheduledFuture<?> heartbeats;

  VirtualDevice(
      String id, DeviceKind kind, String household, DeviceHealth health, Duration interval,
      BrokerSettings broker, Clock clock) {
    this(id, kind, household, health, interval, broker, clock, Behaviour.plain(TelemetryFeed.none()));
  }

  VirtualDevice(
      String id, DeviceKind kind, String household, DeviceHealth health, Duration interval,
      BrokerSettings broker, Clock clock, Behaviour behaviour) {
    this.telemetry = behaviour.telemetry();
    this.misbehaviour = behaviour.misbehaviour();
    this.oversizedBytes = behaviour.oversizedBytes();
    this.groundTruth = behaviour.groundTruth();
    this.id = DeviceId.require(id);
    this.kind = kind;
    this.household = household;
    this.health = health;
    this.interval = interval;
    this.intervalSeconds = (int) Math.max(1, (interval.toMillis() + 999) / 1000);
    this.reconnect = broker.reconnect();
    this.clock = clock;
    this.heartbeatTopic = Topics.heartbeat(id);
    this.statusTopic = Topics.status(id);
    String password = broker.passwordOf(id);
    if (misbehaviour == Misbehaviour.WRONG_CREDENTIALS) {
      password = (password == null ? "" : password) + "-wrong";
    }
    this.link = DeviceLink.create(
        broker.version(), id, broker.endpoint(), broker.trust(), password, this::onConnected, this::onDisconnected);
    this.motion = kind == DeviceKind.CAMERA && misbehaviour == null && behaviour.motion() != null
        ? new CameraMotion(id, password, behaviour.motion(), id.hashCode(), interval.multipliedBy(2))
        : null;
  }

  public String id() {
    return id;
  }

  public DeviceKind kind() {
    return kind;
  }

  public String household() {
    return household;
  }

  /** How this device misbehaves; null when it behaves. */
  public Misbehaviour misbehaviour() {
    return misbehaviour;
  }

  /** Whether the broker refused this device for good when it connected (credentials, client id, protocol). */
  public boolean wasRefused() {
    return refused;
  }

  /** A camera's motion events the broker acknowledged, each after its clip was in S3; empty for others. */
  public List<MotionEventSent> motionEvents() {
    return motion == null ? List.of() : motion.sent();
  }

  /** Motion episodes started, clips uploaded, and episodes that failed (upload or publish) so far. */
  public MotionCounts motionCounts() {
    return motion == null ? MotionCounts.NONE
        : new MotionCounts(motion.episodes(), motion.clipsUploaded(), motion.failed(), motion.acked(), motion.lastFailure());
  }

  /** Every message it published so far: heartbeats, status, telemetry, locations, motion, malformed ones. */
  public Traffic traffic() {
    return new Traffic(1, isConnected() ? 1 : 0, messages.sent(), messages.acked(), messages.failed());
  }

  /**
   * Connects and completes once the broker acknowledged the retained {@code online}. While the broker is
   * unreachable it keeps retrying; it fails only when the broker refuses the device for good (credentials,
   * client id, protocol version).
   */
  CompletableFuture<Void> connect() {
    return link.connect().thenCompose(connected -> online);
  }

  public boolean isConnected() {
    return link.isConnected();
  }

  /** Stops heartbeats while staying connected, as a hung device whose network stack still answers. */
  public void silence() {
    silenced = true;
  }

  /** Sends heartbeats again after {@link #silence()}. */
  public void resume() {
    silenced = false;
  }

  public boolean isSilenced() {
    return silenced;
  }

  /**
   * Leaves the way a device that loses power does, so that the broker publishes its will ({@code offline},
   * retained): with MQTT 5 a DISCONNECT with reason code 0x04 (disconnect with will message), with MQTT 3.1.1
   * an abruptly closed TCP connection. The future completes when the connection is closed; the device does
   * not come back until {@link #powerOn()}.
   */
  public CompletableFuture<Void> disconnectWithWill() {
    leaving = true;
    return link.disconnectWithWill();
  }

  /**
   * Comes back after {@link #disconnectWithWill()}, as a device whose power returns: connects again and
   * completes once its retained {@code online} is acknowledged.
   */
  public CompletableFuture<Void> powerOn() {
    leaving = false;
    return connect();
  }

  /** Sets the battery level, in percent, from which it goes on draining. */
  public void setBattery(int percent) {
    health.setBattery(percent);
  }

  /** Sets the firmware version the next heartbeats report. */
  public void setFirmware(String version) {
    health.setFirmware(version);
  }

  /** Heartbeats handed to the MQTT client. */
  public long heartbeatsSent() {
    return sent.get();
  }

  /** Heartbeats the broker acknowledged (PUBACK). */
  public long heartbeatsAcked() {
    return acked.get();
  }

  /** Heartbeats that were not acknowledged: the connection dropped or the broker refused them. */
  public long heartbeatsFailed() {
    return failed.get();
  }

  /** How often the device connected, the first time included; more than one means it reconnected. */
  public int connections() {
    return connections.get();
  }

  /** The heartbeat it would send now, reading (and draining) its health. */
  private HeartbeatMessage heartbeat(Instant now) {
    DeviceHealth.Reading reading = health.read(now);
    return new HeartbeatMessage(
        now.truncatedTo(ChronoUnit.MILLIS), reading.battery(), reading.rssi(), reading.firmware(),
        reading.uptimeS(), intervalSeconds, kind, household);
  }

  synchronized void startHeartbeats(ScheduledExecutorService scheduler, Duration firstAfter) {
    if (heartbeats == null) {
      heartbeats = scheduler.scheduleAtFixedRate(
          this::beat, firstAfter.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Leaves cleanly: says {@code offline}, retained, then disconnects normally (a normal DISCONNECT makes the
   * broker discard the will, so the device says it itself). Never fails; a device that cannot say goodbye is
   * simply gone.
   */
  CompletableFuture<Void> leave() {
    leaving = true;
    synchronized (this) {
      if (heartbeats != null) {
        heartbeats.cancel(false);
      }
    }
    if (!link.isConnected()) {
      return CompletableFuture.completedFuture(null);
    }
    return send(statusTopic, utf8(Topics.OFFLINE), true)
        .exceptionally(error -> null)
        .thenCompose(saidOffline -> link.disconnect())
        .exceptionally(error -> {
          log.debug("{} did not disconnect cleanly", id, error);
          return null;
        });
  }

  private void beat() {
    if (silenced || leaving || !link.isConnected()) {
      return;
    }
    try {
      HeartbeatMessage heartbeat = heartbeat(clock.instant());
      if (misbehaviour != null) {
        send(heartbeatTopic, misbehaviour.corrupt(heartbeat, oversizedBytes), false);
        return;
      }
      sent.incrementAndGet();
      send(heartbeatTopic, heartbeat.toJson(), false)
          .whenComplete((ok, error) -> (error == null ? acked : failed).incrementAndGet());
      telemetry.next(clock.instant()).ifPresent(m -> send(m.topic(), utf8(m.payload()), false)
          .whenComplete((ok, error) -> {
            if (error != null) log.debug("{} could not send {}", id, m.topic(), error);
          }));
      if (motion != null && acked.get() > 0) {
        motion.maybeStart(clock.instant(), (topic, payload) -> send(topic, payload, false));
      }
    } catch (RuntimeException e) {
      // Thrown out of a scheduled task, it would end this device's heartbeats for good.
      log.warn("{} could not send a heartbeat", id, e);
    }
  }

  /**
   * Publishes (QoS 1), counting it; a misbehaving device's message that the broker acknowledged goes into the
   * ground truth, since Fleet must then have received it.
   */
  CompletableFuture<Void> send(String topic, byte[] payload, boolean retain) {
    CompletableFuture<Void> publish = messages.track(link.publish(topic, payload, retain));
    if (misbehaviour != null && (!misbehaviour.corruptsHeartbeats() || topic.equals(heartbeatTopic))) {
      publish.thenRun(() -> groundTruth.accept(MalformedMessage.of(id, misbehaviour, topic, payload)));
    }
    return publish;
  }

  private void onConnected(MqttClientConnectedContext context) {
    if (leaving) {
      // A reconnect attempt that was under way when the device decided to leave.
      link.disconnect();
      return;
    }
    connections.incrementAndGet();
    online = send(statusTopic, utf8(Topics.ONLINE), true);
    online.whenComplete((ok, error) -> {
      if (error != null) {
        log.warn("{} could not publish its online status", id, error);
      }
    });
  }

  private void onDisconnected(MqttClientDisconnectedContext context) {
    if (context.getSource() == MqttDisconnectSource.USER || leaving) {
      context.getReconnector().reconnect(false);
    } else if (link.isRefusal(context.getCause())) {
      refused = true;
      if (misbehaviour == Misbehaviour.WRONG_CREDENTIALS) {
        log.debug("{} was refused by the broker, as its wrong credentials should be", id);
      } else {
        log.warn("{} was refused by the broker, not reconnecting: {}", id, context.getCause().getMessage());
      }
      context.getReconnector().reconnect(false);
    } else {
      int attempts = context.getReconnector().getAttempts();
      Duration delay = reconnect.delay(attempts);
      log.debug("{} lost its connection ({}); reconnect attempt {} in {}", id, context.getCause(), attempts + 1, delay);
      context.getReconnector().reconnect(true).delay(delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }
}
