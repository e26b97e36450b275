package io.fleet.retention;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code fleet.retention}: how long each kind of history is kept ({@code defaults}, by kind), the households
 * that keep some kinds for another period ({@code households}: household → kind → period), how often the
 * sweeper runs and how many rows it deletes per transaction, and how long an erase waits for the read side.
 */
public record RetentionSettings(Map<String, Duration> defaults, Map<String, Map<String, Duration>> households,
    Duration sweepInterval, int batchSize, Duration eraseTimeout) {

  /** The keys of {@code fleet.retention} that are not kinds of history. */
  private static final Set<String> NOT_KINDS = Set.of("sweep-interval", "batch-size", "households", "erase-timeout", "journal");

  public RetentionSettings {
    defaults = Map.copyOf(defaults);
    households = Map.copyOf(households);
    if (batchSize < 1) throw new IllegalArgumentException("fleet.retention.batch-size must be at least 1");
    if (sweepInterval.isNegative() || sweepInterval.isZero()) {
      throw new IllegalArgumentException("fleet.retention.sweep-interval must be positive");
    }
    defaults.forEach(RetentionSettings::requirePositive);
    households.values().forEach(periods -> periods.forEach(RetentionSettings::requirePositive));
  }

  /**
   * Reads {@code retention} of the {@code fleet} block: every duration in it is a kind's default, and a household
   * may only name those kinds (a misspelt kind stops the node rather than keeping data longer than meant).
   */
  public static RetentionSettings fromConfig(Config fleet) {
    Config retention = fleet.getConfig("retention");
    Map<String, Duration> defaults = new TreeMap<>();
    retention.root().forEach((key, value) -> {
      if (!NOT_KINDS.contains(key) && value.valueType() == ConfigValueType.STRING) {
        defaults.put(key, retention.getDuration(ConfigUtil.joinPath(key)));
      }
    });
    Config byHousehold = retention.getConfig("households");
    Map<String, Map<String, Duration>> households = new TreeMap<>();
    for (String household : byHousehold.root().keySet()) {
      Config own = byHousehold.getConfig(ConfigUtil.joinPath(household));
      Map<String, Duration> periods = new TreeMap<>();
      for (String kind : own.root().keySet()) {
        if (!defaults.containsKey(kind)) {
          throw new IllegalArgumentException("fleet.retention.households." + household + "." + kind
              + ": not a kind of history (" + String.join(", ", defaults.keySet()) + ")");
        }
        periods.put(kind, own.getDuration(ConfigUtil.joinPath(kind)));
      }
      households.put(household, periods);
    }
    return new RetentionSettings(defaults, households, retention.getDuration("sweep-interval"),
        retention.getInt("batch-size"), retention.getDuration("erase-timeout"));
  }

  /** How long rows of {@code kind} are kept when their household does not say otherwise. */
  public Duration keep(String kind) {
    Duration period = defaults.get(kind);
    if (period == null) throw new IllegalArgumentException("no fleet.retention." + kind + " configured");
    return period;
  }

  /** The households that keep {@code kind} for a period of their own, and that period. */
  public Map<String, Duration> ownPeriods(String kind) {
    return households.entrySet().stream().filter(h -> h.getValue().containsKey(kind))
        .collect(Collectors.toMap(Map.Entry::getKey, h -> h.getValue().get(kind), (a, b) -> a, TreeMap::new));
  }

  /** Fails at start when a kind Fleet keeps has no default period. */
  public RetentionSettings requireKinds(List<HistoryTable> tables) {
    tables.forEach(t -> keep(t.kind()));
    return this;
  }

  private static void requirePositive(String kind, Duration period) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("fleet.retention: " + kind + " must be a positive duration");
    }
  }
}
