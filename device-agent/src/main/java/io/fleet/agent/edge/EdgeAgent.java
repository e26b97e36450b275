package io.fleet.agent.edge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.fleet.protocol.DeviceKind;
import io.fleet.protocol.HeartbeatMessage;
import io.fleet.protocol.Topics;
import io.fleet.protocol.TrustedCertificates;
import io.fleet.vision.camera.Frame;
import io.fleet.vision.camera.FrameDirectory;
import io.fleet.vision.camera.FrameSource;
import io.fleet.vision.camera.MjpegStream;
import io.fleet.vision.camera.SceneScripts;
import io.fleet.vision.camera.SyntheticScene;
import io.fleet.vision.clip.Clip;
import io.fleet.vision.clip.ClipRecorder;
import io.fleet.vision.clip.Mp4ClipEncoder;
import io.fleet.vision.detect.Detection;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The program on the camera: {@code java -jar fleet-agent.jar --config agent.conf}. It watches its frame
 * source with the Motion-style detector, records a clip of each motion event, and delivers S3 first:
 * the clip is uploaded into Fleet's bucket (presigned URL), then the event published on
 * {@code fleet/{id}/motion} (QoS 1) naming it — or, for a Kafka-speaking camera
 * ({@code agent.events.transport = kafka}), the seed's JSON naming its URL on {@code ksql_motion_events}
 * ({@link KafkaMotionPublisher}). Heartbeats with battery, signal and firmware go out every interval (kept in the
 * outbox while the broker is away); the broker holds its last will.
 *
 * <p>Events and clips pass through the on-disk {@link Outbox} ({@link Delivery} takes them out): when the broker or
 * S3 is unreachable they wait there and go out in order, oldest first, when the way is clear again — also after a
 * restart. So do heartbeats the broker could not take. The outbox is bounded: the oldest clips give way first, then
 * the oldest heartbeats, motion events last. A clip Fleet or S3 refuses for good is lost (counted) and its event
 * goes without it. A full outbox disk stops neither watching nor delivering: a clip it cannot take is not stored
 * (its event goes without), an event it cannot take is queued in memory only; each heartbeat reports the writes the
 * disk refused as its {@code errors}, which Fleet shows for the device. One thread watches, one delivers, one
 * encodes, one beats; the agent's only state that survives a crash is the outbox's.
 */
public final class EdgeAgent implements AutoCloseable {
  static {
    // Before the first logger: the agent's own logging setup, unless the command line chose one.
    if (System.getProperty("logback.configurationFile") == null) System.setProperty("logback.configurationFile", "agent-logback.xml");
  }

  private static final Logger log = LoggerFactory.getLogger(EdgeAgent.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long the clips still being encoded when the source ends are waited for. */
  private static final Duration CLIP_ENCODING_PATIENCE = Duration.ofSeconds(60);

  private final AgentSettings settings;
  private final Outbox outbox;
  private final Uplink uplink;
  private final MotionPublisher publisher;
  private final Delivery delivery;
  private final ExecutorService encoding = ClipRecorder.encodingThread();
  private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(daemon("fleet-agent-heartbeat"));
  private final Instant bootedAt = Instant.now();
  /** Events waiting for their clip: event start (frame time) → outbox entry. */
  private final ConcurrentSkipListMap<Long, Long> awaitingClip = new ConcurrentSkipListMap<>();
  /** Clips recorded and being encoded, each done once its event has it (or went without it). */
  private final Set<CompletableFuture<Void>> encodingClips = ConcurrentHashMap.newKeySet();
  private final AtomicLong detected = new AtomicLong();
  private final CompletableFuture<Long> watched = new CompletableFuture<>();
  private final Thread watcher;
  private final Thread deliverer;
  private volatile boolean running = true;
  private volatile MotionWatch watch;

  private EdgeAgent(AgentSettings settings) throws IOException {
    this.settings = settings;
    Files.createDirectories(settings.clips().directory());
    this.outbox = new Outbox(settings.queueDirectory(), settings.queueMaxBytes(), settings.queueMaxEvents());
    this.uplink = new Uplink(settings.broker(), settings.deviceId(), settings.password(),
        settings.caFile() == null ? null : TrustedCertificates.trustManagers(settings.caFile()));
    this.publisher = settings.events().overKafka()
        ? new KafkaMotionPublisher(settings.events(), settings.deviceId())
        : new MqttMotionPublisher(uplink, settings.deviceId());
    this.delivery = new Delivery(outbox, new ClipUpload(settings.caFile() == null ? ClipUpload.httpClient()
        : ClipUpload.httpClient(TrustedCertificates.clientContext(settings.caFile())), settings.fleetApi(), settings.deviceId(),
        settings.password()), publisher);
    this.watcher = new Thread(this::watchFrames, "fleet-agent-watch");
    this.deliverer = new Thread(delivery, "fleet-agent-deliver");
  }

  public static EdgeAgent start(AgentSettings settings) throws IOException {
    EdgeAgent agent = new EdgeAgent(settings);
    agent.watcher.start();
    agent.deliverer.start();
    long every = settings.heartbeatInterval().toMillis();
    agent.heartbeats.scheduleAtFixedRate(agent::heartbeat, 0, every, TimeUnit.MILLISECONDS);
    log.info("agent {} started: source {}, broker {}, outbox {} ({} entries left from before, {} files set aside)",
        settings.deviceId(), settings.source().type(), settings.broker(), settings.queueDirectory(), agent.outbox.size(),
        agent.outbox.corruptFiles());
    return agent;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 2 || !args[0].equals("--config")) {
      System.err.println("usage: java -jar fleet-agent.jar --config agent.conf");
      System.exit(2);
    }
    AgentSettings settings = AgentSettings.fromConfig(ConfigFactory.parseFile(Path.of(args[1]).toFile())
        .withFallback(ConfigFactory.parseResources("agent-defaults.conf")).resolve());
    EdgeAgent agent = start(settings);
    Runtime.getRuntime().addShutdownHook(new Thread(agent::close, "fleet-agent-stop"));
    agent.watched.join();
    log.info("source ended; delivering what is left");
  }

  /** Motion events detected so far. */
  public long detected() {
    return detected.get();
  }

  /** Events published (their clip uploaded first). */
  public long delivered() {
    return delivery.delivered();
  }

  /** Motion events waiting in the outbox. */
  public int queued() {
    return outbox.size(Outbox.Kind.MOTION);
  }

  /** Heartbeats waiting in the outbox for the broker. */
  public int queuedHeartbeats() {
    return outbox.size(Outbox.Kind.HEARTBEAT);
  }

  public long droppedClips() {
    return outbox.droppedClips();
  }

  /** Clips Fleet or S3 refused for good (401, 404, 413, ...): their events went without them. */
  public long lostClips() {
    return delivery.lostClips();
  }

  /** Heartbeats dropped from the full outbox. */
  public long droppedHeartbeats() {
    return outbox.droppedHeartbeats();
  }

  /** Motion events dropped from an outbox full of motion events. */
  public long droppedMotionEvents() {
    return outbox.droppedMotionEvents();
  }

  /** Whether the outbox's disk refused its last write (full, most likely) and has taken none since. */
  public boolean outboxDiskFull() {
    return outbox.diskFull();
  }

  /** Writes of events and clips the outbox's disk refused: what the heartbeat reports as errors. */
  public long outboxFailedWrites() {
    return outbox.failedWrites();
  }

  /** Clips the outbox's disk could not take: their events went without them. */
  public long clipsNotStored() {
    return outbox.clipsNotStored();
  }

  /** Entries queued in memory only because the outbox's disk could not take them (a crash would lose these). */
  public int unsavedEntries() {
    return outbox.unsaved();
  }

  /** Outbox files set aside at start because they could not be read. */
  public int corruptFiles() {
    return outbox.corruptFiles();
  }

  /** Completes with the number of frames looked at when the source has ended. */
  public CompletableFuture<Long> sourceEnded() {
    return watched;
  }

  private void watchFrames() {
    try (FrameSource source = paced(open(settings.source()))) {
      ClipRecorder recorder = new ClipRecorder(settings.clips(), new Mp4ClipEncoder(), encoding);
      watch = new MotionWatch(settings.detector(), recorder, new MotionWatch.Listener() {
        @Override
        public void eventStarted(Detection detection) {
          detected.incrementAndGet();
          ObjectNode event = JSON.createObjectNode();
          event.put("event_id", settings.deviceId() + "-" + Instant.now().toEpochMilli());
          event.put("ts", Instant.now().toString());
          event.put("score", Math.round(1000.0 * detection.changedPixels() / (settings.source().width() * settings.source().height())) / 1000.0);
          awaitingClip.put(detection.eventStartMillis(), outbox.add(event, true));
        }

        @Override
        public void clipRecorded(CompletableFuture<Clip> clip) {
          CompletableFuture<Void> attached = clip.whenComplete((c, error) -> onClip(c, error)).handle((c, error) -> null);
          encodingClips.add(attached);
          attached.whenComplete((done, error) -> encodingClips.remove(attached));
        }
      });
      watched.complete(watch.run(source));
    } catch (Exception e) {
      log.error("frame source failed", e);
      watched.completeExceptionally(e);
    } finally {
      awaitClipsBeingEncoded();
      // Events whose clip will never come go without one.
      awaitingClip.values().forEach(outbox::noClip);
      awaitingClip.clear();
    }
  }

  /**
   * The source has ended: the clips still being encoded will come, so their events keep waiting for them (at most
   * {@link #CLIP_ENCODING_PATIENCE}); only then do events whose clip will never come go without one.
   */
  private void awaitClipsBeingEncoded() {
    try {
      CompletableFuture.allOf(encodingClips.toArray(CompletableFuture[]::new))
          .get(CLIP_ENCODING_PATIENCE.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("clips still being encoded {} after the source ended: their events go without them", CLIP_ENCODING_PATIENCE);
    }
  }

  /** A finished clip belongs to the event it started with; events it also covers go without their own. */
  private void onClip(Clip clip, Throwable error) {
    if (error != null || clip == null) {
      log.warn("a clip failed ({}); its event goes without it", error == null ? "none" : error.toString());
      Map.Entry<Long, Long> first = awaitingClip.pollFirstEntry();
      if (first != null) outbox.noClip(first.getValue());
      return;
    }
    Long seq = awaitingClip.remove(clip.eventStartMillis());
    if (seq != null) outbox.attachClip(seq, clip.file());
    else quietlyDelete(clip.file());
    awaitingClip.headMap(clip.lastFrameMillis(), true).forEach((start, covered) -> {
      awaitingClip.remove(start);
      outbox.noClip(covered);
    });
  }

  /**
   * Sends this interval's heartbeat, after those kept while the broker was away (oldest first, so Fleet sees them in
   * order); one the broker cannot take now waits in the outbox.
   */
  private void heartbeat() {
    // Anything thrown out of a scheduled task would cancel every heartbeat after it.
    try {
      ObjectNode beat = heartbeatNow();
      try {
        if (!uplink.connected()) throw new IllegalStateException("not connected to the broker");
        for (Optional<Outbox.Entry> kept = outbox.oldestHeartbeat(); kept.isPresent(); kept = outbox.oldestHeartbeat()) {
          publishHeartbeat(kept.get().event());
          outbox.remove(kept.get().seq());
        }
        publishHeartbeat(beat);
      } catch (Exception notSent) {
        log.debug("heartbeat kept in the outbox: {}", notSent.toString());
        outbox.addHeartbeat(beat);
      }
    } catch (Exception e) {
      log.warn("heartbeat failed: {}", e.toString());
    }
  }

  private ObjectNode heartbeatNow() throws IOException {
    Instant now = Instant.now();
    HeartbeatMessage hb = new HeartbeatMessage(now, 100, -55, settings.firmware(), Duration.between(bootedAt, now).toSeconds(),
        (int) Math.max(1, settings.heartbeatInterval().toSeconds()), DeviceKind.CAMERA, settings.household(),
        (int) Math.min(Integer.MAX_VALUE, outbox.failedWrites()));
    return (ObjectNode) JSON.readTree(hb.toJson());
  }

  private void publishHeartbeat(ObjectNode beat) throws Exception {
    uplink.publish(Topics.heartbeat(settings.deviceId()), beat.toString(), false)
        .get(Uplink.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private static FrameSource open(AgentSettings.Source s) throws IOException {
    return switch (s.type()) {
      case "synthetic" -> new SyntheticScene(SceneScripts.labelled(s.seed(), s.width(), s.height(), s.fps(), s.episodes()));
      case "directory" -> FrameDirectory.open(Path.of(s.location()), s.fps());
      case "mjpeg" -> MjpegStream.open(URI.create(s.location()), Duration.ofSeconds(10));
      default -> throw new IllegalArgumentException("agent.source.type must be synthetic, directory or mjpeg: " + s.type());
    };
  }

  /** Recorded frames (synthetic, a directory) come at the camera's pace times {@code speed}; a stream paces itself. */
  private FrameSource paced(FrameSource source) {
    if (settings.source().type().equals("mjpeg")) return source;
    long nanosPerFrame = (long) (1e9 / (settings.source().fps() * settings.source().speed()));
    return new FrameSource() {
      private long due = System.nanoTime();

      @Override
      public Optional<Frame> next() throws IOException {
        long wait = due - System.nanoTime();
        if (wait > 0) {
          try {
            TimeUnit.NANOSECONDS.sleep(wait);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
          }
        }
        due += nanosPerFrame;
        return running ? source.next() : Optional.empty();
      }

      @Override
      public void close() throws IOException {
        source.close();
      }
    };
  }

  @Override
  public void close() {
    running = false;
    if (watch != null) watch.stop();
    heartbeats.shutdownNow();
    delivery.stop();
    deliverer.interrupt();
    try {
      watcher.join(10_000);
      deliverer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    encoding.shutdown();
    publisher.close();
    uplink.close();
  }

  private static void quietlyDelete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.debug("could not delete {}", file, e);
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
