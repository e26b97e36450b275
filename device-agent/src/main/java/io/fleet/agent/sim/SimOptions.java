package io.fleet.agent.sim;

import io.fleet.agent.edge.MqttEndpoint;
import io.fleet.protocol.DeviceKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link FleetSim}'s command line. Either {@code --devices N} (cameras, sensors and trackers in turn) or per-kind
 * counts ({@code --cameras}, {@code --sensors}, {@code --trackers}); an empty {@code perKind} means the former.
 */
record SimOptions(
    String mqtt, int devices, Map<DeviceKind, Integer> perKind, String idPrefix, Duration interval,
    Map<DeviceKind, Duration> intervals, Duration duration, int households, MqttVersion version, String password,
    String deviceSecret, boolean telemetry, double misbehaving, String fleetApi, Duration motionEvery,
    Duration progress, Path caFile) {

  static final String USAGE = String.join(System.lineSeparator(),
      "usage: fleet-sim --mqtt tcp://host:port|ssl://host:port [options]",
      "  --cameras N, --sensors N, --trackers N",
      "                       how many devices of each kind (ids: cameras first, then sensors, then trackers)",
      "  --devices N          or N devices, camera, sensor, tracker in turn (default 100)",
      "  --id-prefix P        device ids P0000, P0001, ... (default sim-)",
      "  --interval D         heartbeat interval, e.g. 5s, 500ms, 1m (default 5s)",
      "  --camera-interval D, --sensor-interval D, --tracker-interval D",
      "                       one kind's interval; sensors send telemetry and trackers locations at it too",
      "  --telemetry on|off   sensors send telemetry, trackers OwnTracks locations (default on)",
      "  --fleet-api URL      Fleet's HTTP API (e.g. http://127.0.0.1:8080): cameras then have motion episodes,",
      "                       uploading a real MP4 clip by presigned URL, then publishing the motion event",
      "  --motion-every D     mean time between one camera's motion episodes (default 5m)",
      "  --misbehaving S      share of devices (0-1) sending malformed data, counted apart (default 0)",
      "  --duration D         how long to run (default 60s)",
      "  --households N       devices spread over household-1..N (default 10)",
      "  --mqtt-version V     5 or 3.1.1 (default 5)",
      "  --device-secret S    Fleet's FLEET_DEVICE_SECRET: each device logs in with the password Fleet derives",
      "                       (Fleet accepts those only with FLEET_DEVICE_PASSWORDS=derived)",
      "  --password S         or the same password for every device (default: none)",
      "  --ca-file F          the certificates (PEM) to trust for an ssl:// broker and an https:// API, e.g.",
      "                       Fleet's <data-dir>/tls/self-signed-cert.pem (default: Java's trusted CAs)",
      "  --progress D         how often to update the progress line (default 5s)");

  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

  SimOptions {
    perKind = Map.copyOf(perKind);
    intervals = Map.copyOf(intervals);
  }

  static SimOptions parse(String[] args) {
    String mqtt = null;
    int devices = 100;
    Map<DeviceKind, Integer> perKind = new EnumMap<>(DeviceKind.class);
    String idPrefix = "sim-";
    Duration interval = Duration.ofSeconds(5);
    Map<DeviceKind, Duration> intervals = new EnumMap<>(DeviceKind.class);
    Duration duration = Duration.ofSeconds(60);
    int households = 10;
    MqttVersion version = MqttVersion.V5;
    String password = null;
    String deviceSecret = null;
    Path caFile = null;
    boolean telemetry = true;
    double misbehaving = 0;
    String fleetApi = null;
    Duration motionEvery = Duration.ofMinutes(5);
    Duration progress = Duration.ofSeconds(5);
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + name);
      }
      String value = args[++i];
      switch (name) {
        case "--mqtt" -> mqtt = value;
        case "--devices" -> devices = positive(name, value);
        case "--cameras" -> perKind.put(DeviceKind.CAMERA, atLeastZero(name, value));
        case "--sensors" -> perKind.put(DeviceKind.SENSOR, atLeastZero(name, value));
        case "--trackers" -> perKind.put(DeviceKind.TRACKER, atLeastZero(name, value));
        case "--id-prefix" -> idPrefix = value;
        case "--interval" -> interval = parseDuration(value);
        case "--camera-interval" -> intervals.put(DeviceKind.CAMERA, parseDuration(value));
        case "--sensor-interval" -> intervals.put(DeviceKind.SENSOR, parseDuration(value));
        case "--tracker-interval" -> intervals.put(DeviceKind.TRACKER, parseDuration(value));
        case "--telemetry" -> telemetry = onOff(name, value);
        case "--misbehaving" -> misbehaving = share(name, value);
        case "--fleet-api" -> fleetApi = value;
        case "--motion-every" -> motionEvery = parseDuration(value);
        case "--duration" -> duration = parseDuration(value);
        case "--households" -> households = positive(name, value);
        case "--mqtt-version" -> version = switch (value) {
          case "5" -> MqttVersion.V5;
          case "3", "3.1.1" -> MqttVersion.V3_1_1;
          default -> throw new IllegalArgumentException("--mqtt-version is 5 or 3.1.1, not " + value);
        };
        case "--password" -> password = value;
        case "--device-secret" -> deviceSecret = value;
        case "--ca-file" -> caFile = Path.of(value);
        case "--progress" -> progress = parseDuration(value);
        default -> throw new IllegalArgumentException("unknown option " + name);
      }
    }
    if (mqtt == null) {
      throw new IllegalArgumentException("--mqtt is required");
    }
    MqttEndpoint.parse(mqtt);
    if (!perKind.isEmpty() && perKind.values().stream().mapToInt(Integer::intValue).sum() == 0) {
      throw new IllegalArgumentException("--cameras, --sensors and --trackers add up to no device");
    }
    if (password != null && deviceSecret != null) {
      throw new IllegalArgumentException("give --password or --device-secret, not both");
    }
    return new SimOptions(mqtt, devices, perKind, idPrefix, interval, intervals, duration, households, version,
        password, deviceSecret, telemetry, misbehaving, fleetApi, motionEvery, progress, caFile);
  }

  /** How many devices in all. */
  int total() {
    return perKind.isEmpty() ? devices : perKind.values().stream().mapToInt(Integer::intValue).sum();
  }

  SimulatedFleet.Builder configure(SimulatedFleet.Builder builder) {
    String secret = password;
    builder.mqtt(mqtt)
        .mqttVersion(version)
        .credentials(deviceSecret != null ? new DevicePasswords(deviceSecret) : secret == null ? null : deviceId -> secret)
        .idPrefix(idPrefix)
        .households(households)
        .heartbeatInterval(interval)
        .telemetry(telemetry)
        .misbehaving(misbehaving)
        // Thousands of devices take a while to connect on a busy machine.
        .connectTimeout(Duration.ofSeconds(Math.max(30, total() / 50)));
    if (caFile != null) builder.trust(caFile);
    if (perKind.isEmpty()) {
      builder.devices(devices);
    } else {
      perKind.forEach(builder::count);
    }
    intervals.forEach(builder::heartbeatInterval);
    if (fleetApi != null) {
      builder.motion(fleetApi, motionEvery);
    }
    return builder;
  }

  /** {@code 5s}, {@code 500ms}, {@code 2m}, {@code 1h}; a bare number is seconds. */
  static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: '" + text + "' (e.g. 5s, 500ms, 2m)");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(amount);
      case "m" -> Duration.ofMinutes(amount);
      case "h" -> Duration.ofHours(amount);
      default -> Duration.ofSeconds(amount);
    };
  }

  private static int positive(String name, String value) {
    int number = atLeastZero(name, value);
    if (number == 0) {
      throw new IllegalArgumentException(name + " needs a positive whole number, not " + value);
    }
    return number;
  }

  private static int atLeastZero(String name, String value) {
    try {
      int number = Integer.parseInt(value);
      if (number >= 0) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " needs a positive whole number, not " + value);
  }

  private static double share(String name, String value) {
    try {
      double share = Double.parseDouble(value);
      if (share >= 0 && share <= 1) {
        return share;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " needs a share between 0 and 1 (e.g. 0.01), not " + value);
  }

  private static boolean onOff(String name, String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "on", "true", "yes" -> true;
      case "off", "false", "no" -> false;
      default -> throw new IllegalArgumentException(name + " is on or off, not " + value);
    };
  }
}
