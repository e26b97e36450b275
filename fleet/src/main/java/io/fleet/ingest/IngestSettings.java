package io.fleet.ingest;

import com.typesafe.config.Config;
import java.time.Duration;
import java.time.Instant;

/** The ingest path's settings, read from the {@code fleet} configuration block. */
public record IngestSettings(
    String deviceEventsTopic,
    String motionEventsTopic,
    String deadLettersTopic,
    String consumerGroup,
    String motionConsumerGroup,
    int deliveryParallelism,
    String mqttClientId,
    boolean mqttCleanSession,
    int mqttConnections,
    String mqttShareGroup,
    int maxPayloadBytes,
    int mqttInFlight,
    boolean embeddedDirect,
    Duration tickInterval,
    Duration askTimeout,
    Duration clipCheckPatience,
    Duration maxClockSkew,
    int entityAttempts,
    boolean seedSelfRegistration,
    Duration vitalsCatchUp) {

  /** Whether a device's time is further ahead of Fleet's clock than the allowed skew (such a message is refused). */
  public boolean tooFarAhead(Instant deviceTime, Instant receivedAt) {
    return deviceTime != null && deviceTime.isAfter(receivedAt.plus(maxClockSkew));
  }

  public static IngestSettings fromConfig(Config fleet) {
    return new IngestSettings(
        fleet.getString("kafka.topics.device-events"),
        fleet.getString("kafka.topics.motion-events"),
        fleet.getString("kafka.topics.dead-letters"),
        fleet.getString("kafka.consumer-group"),
        fleet.getString("kafka.motion-consumer-group"),
        fleet.getInt("kafka.delivery-parallelism"),
        fleet.getString("mqtt.client-id"),
        fleet.getBoolean("mqtt.clean-session"),
        fleet.getInt("mqtt.connections"),
        fleet.getString("mqtt.share-group"),
        fleet.getInt("mqtt.max-payload-bytes"),
        fleet.getInt("mqtt.in-flight"),
        fleet.getBoolean("mqtt.embedded-direct"),
        fleet.getDuration("mqtt.tick-interval"),
        fleet.getDuration("kafka.ask-timeout"),
        fleet.getDuration("clips.check-patience"),
        fleet.getDuration("device.max-clock-skew"),
        fleet.getInt("kafka.entity-attempts"),
        fleet.getBoolean("kafka.seed-self-registration"),
        fleet.getDuration("kafka.vitals-catch-up"));
  }
}
