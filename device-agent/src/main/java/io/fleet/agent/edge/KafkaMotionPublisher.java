package io.fleet.agent.edge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Motion events the way the original Raspberry Pis sent them with librdkafka: the seed's JSON, unchanged in form,
 * on the seed's topic ({@code ksql_motion_events} by default), keyed by device id so one camera's events stay in
 * order. The producer is idempotent with {@code acks=all}; it gives up on a send within seconds when the cluster
 * is unreachable, so the event stays in the outbox and is tried again rather than held in the client's memory.
 * Owns the producer.
 */
final class KafkaMotionPublisher implements MotionPublisher {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter SEED_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  private final MotionEvents settings;
  private final String deviceId;
  private final KafkaProducer<String, String> producer;

  KafkaMotionPublisher(MotionEvents settings, String deviceId) {
    this.settings = settings;
    this.deviceId = deviceId;
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "fleet-agent-" + deviceId);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis() - 1_000);
    p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 5_000);
    p.putAll(settings.producerProperties());
    this.producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  @Override
  public void publish(ObjectNode event, ClipUpload.Stored clip) throws Exception {
    producer.send(new ProducerRecord<>(settings.topic(), deviceId, seedRecord(settings, deviceId, event, clip)))
        .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The seed's record for the agent's event: {@code event_id} the event's time in epoch milliseconds (an integer, as
   * the seed's, and unique per camera), {@code device_id}, {@code device_name} (configured, else the id),
   * {@code device_type: camera}, {@code url} of the clip in the bucket (null without one), {@code time}
   * ({@code YYYY-MM-DD HH:MM:SS} in the configured zone) and {@code message}.
   */
  static String seedRecord(MotionEvents settings, String deviceId, ObjectNode event, ClipUpload.Stored clip) {
    Instant at = Instant.parse(event.get("ts").asText());
    ObjectNode seed = JSON.createObjectNode();
    seed.put("event_id", at.toEpochMilli());
    seed.put("device_id", deviceId);
    seed.put("device_name", settings.deviceName().isBlank() ? deviceId : settings.deviceName());
    seed.put("device_type", "camera");
    if (clip == null) seed.putNull("url");
    else seed.put("url", clip.url());
    seed.put("time", SEED_TIME.format(at.atZone(settings.zone())));
    seed.put("message", settings.message());
    return seed.toString();
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
