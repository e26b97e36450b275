package io.fleet.agent.edge;

import com.typesafe.config.Config;
import io.fleet.vision.camera.Region;
import io.fleet.vision.camera.SceneScripts;
import io.fleet.vision.clip.ClipSettings;
import io.fleet.vision.detect.DetectorSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The agent's configuration, from the {@code agent} block of its HOCON file (see {@code config/agent.conf}):
 * who it is, where Fleet is, what it watches, how it detects and records, where it queues and how much (clip bytes,
 * events), and how it reports motion (MQTT or, for a Kafka-speaking camera, the seed's JSON on Kafka).
 */
public record AgentSettings(
    String deviceId,
    String password,
    URI broker,
    URI fleetApi,
    String household,
    String firmware,
    Duration heartbeatInterval,
    Source source,
    DetectorSettings detector,
    ClipSettings clips,
    Path queueDirectory,
    long queueMaxBytes,
    int queueMaxEvents,
    MotionEvents events,
    Path caFile) {

  /** Events over MQTT, at most {@link Outbox#DEFAULT_MAX_EVENTS} queued. */
  public AgentSettings(String deviceId, String password, URI broker, URI fleetApi, String household, String firmware,
      Duration heartbeatInterval, Source source, DetectorSettings detector, ClipSettings clips, Path queueDirectory,
      long queueMaxBytes) {
    this(deviceId, password, broker, fleetApi, household, firmware, heartbeatInterval, source, detector, clips,
        queueDirectory, queueMaxBytes, MotionEvents.mqtt());
  }

  /** At most {@link Outbox#DEFAULT_MAX_EVENTS} queued. */
  public AgentSettings(String deviceId, String password, URI broker, URI fleetApi, String household, String firmware,
      Duration heartbeatInterval, Source source, DetectorSettings detector, ClipSettings clips, Path queueDirectory,
      long queueMaxBytes, MotionEvents events) {
    this(deviceId, password, broker, fleetApi, household, firmware, heartbeatInterval, source, detector, clips,
        queueDirectory, queueMaxBytes, Outbox.DEFAULT_MAX_EVENTS, events, null);
  }

  /** The same settings, reporting motion as {@code events} says. */
  public AgentSettings withEvents(MotionEvents events) {
    return new AgentSettings(deviceId, password, broker, fleetApi, household, firmware, heartbeatInterval, source,
        detector, clips, queueDirectory, queueMaxBytes, queueMaxEvents, events, caFile);
  }

  /** The same settings, trusting the certificates in {@code caFile} (PEM) for an {@code ssl://} broker and an {@code https://} API. */
  public AgentSettings withCaFile(Path caFile) {
    return new AgentSettings(deviceId, password, broker, fleetApi, household, firmware, heartbeatInterval, source,
        detector, clips, queueDirectory, queueMaxBytes, queueMaxEvents, events, caFile);
  }

  /** The same settings, queueing at most {@code max} events and heartbeats. */
  public AgentSettings withQueueMaxEvents(int max) {
    return new AgentSettings(deviceId, password, broker, fleetApi, household, firmware, heartbeatInterval, source,
        detector, clips, queueDirectory, queueMaxBytes, max, events, caFile);
  }

  /**
   * Where frames come from: {@code synthetic} (scripted motion), {@code directory} (JPEG/PNG files) or
   * {@code mjpeg} (a URL).
   */
  public record Source(String type, String location, double fps, int width, int height, int episodes, long seed, double speed) {}

  @SuppressWarnings("unchecked")
  private static List<Integer> region(Object value) {
    List<Number> numbers = (List<Number>) value;
    if (numbers.size() != 4) throw new IllegalArgumentException("agent.detector.ignore regions are [x, y, width, height]: " + value);
    return numbers.stream().map(Number::intValue).toList();
  }

  public static AgentSettings fromConfig(Config root) {
    Config a = root.getConfig("agent");
    Config s = a.getConfig("source");
    Config d = a.getConfig("detector");
    Config c = a.getConfig("clips");
    Path work = Path.of(a.getString("queue.directory"));
    double fps = s.getDouble("fps");
    List<Region> ignore = new ArrayList<>();
    for (List<Integer> r : d.getList("ignore").unwrapped().stream().map(AgentSettings::region).toList()) {
      ignore.add(new Region(r.get(0), r.get(1), r.get(2), r.get(3)));
    }
    // The synthetic scene's swaying tree is masked, as one would mask a real one (Motion's mask_file).
    if (s.getString("type").equals("synthetic")) ignore.add(SceneScripts.swayRegion(s.getInt("width"), s.getInt("height")));
    DetectorSettings detector = DetectorSettings.defaults()
        .withDownscale(d.getInt("downscale"))
        .withThreshold(d.getInt("threshold"))
        .withMinimumMotionFrames(d.getInt("minimum-motion-frames"))
        .withIgnore(ignore);
    return new AgentSettings(
        a.getString("device-id"),
        a.getString("password"),
        URI.create(a.getString("broker")),
        URI.create(a.getString("fleet-api")),
        a.getString("household"),
        a.getString("firmware"),
        a.getDuration("heartbeat-interval"),
        new Source(s.getString("type"), s.getString("location"), fps, s.getInt("width"), s.getInt("height"),
            s.getInt("episodes"), s.getLong("seed"), s.getDouble("speed")),
        detector,
        new ClipSettings(c.getInt("pre-capture-frames"), c.getInt("post-capture-frames"), c.getInt("max-clip-frames"), fps,
            c.getInt("max-pending-clips"), work.resolve("encoding")),
        work.resolve("outbox"),
        a.getBytes("queue.max-bytes"),
        a.getInt("queue.max-events"),
        events(a.getConfig("events")),
        a.getString("ca-file").isBlank() ? null : Path.of(a.getString("ca-file")));
  }

  private static MotionEvents events(Config e) {
    Config k = e.getConfig("kafka");
    Map<String, String> properties = new TreeMap<>();
    k.getConfig("properties").entrySet().forEach(p -> properties.put(p.getKey().replace("\"", ""), p.getValue().unwrapped().toString()));
    return new MotionEvents(e.getString("transport"), k.getString("bootstrap-servers"), k.getString("topic"),
        k.getString("device-name"), k.getString("message"), ZoneId.of(k.getString("time-zone")), properties);
  }
}
