package io.fleet.telemetry;

import com.typesafe.config.Config;
import java.time.Duration;

/** Telemetry history's settings, read from the {@code fleet.telemetry} configuration block. */
public record TelemetrySettings(boolean enabled, String consumerGroup, int batchSize, Duration flushInterval,
    int maxPoints) {

  public static TelemetrySettings fromConfig(Config fleet) {
    Config c = fleet.getConfig("telemetry");
    return new TelemetrySettings(c.getBoolean("enabled"), c.getString("consumer-group"), c.getInt("batch-size"),
        c.getDuration("flush-interval"), c.getInt("max-points"));
  }
}
