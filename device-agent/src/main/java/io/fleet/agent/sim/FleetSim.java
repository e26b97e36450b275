package io.fleet.agent.sim;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a simulated fleet from the command line, printing progress every few seconds and a summary at the end:
 *
 * <pre>
 * java io.fleet.agent.sim.FleetSim --mqtt tcp://127.0.0.1:1883 --devices 1000 --interval 5s --duration 60s
 * </pre>
 */
public final class FleetSim {

    static final String USAGE = String.join(System.lineSeparator(),
            "usage: FleetSim --mqtt tcp://host:port [options]",
            "  --devices N          how many devices (default 100)",
            "  --id-prefix P        device ids P0000, P0001, ... (default sim-)",
            "  --interval D         heartbeat interval, e.g. 5s, 500ms, 1m (default 5s)",
            "  --duration D         how long to run (default 60s)",
            "  --households N       devices spread over household-1..N (default 10)",
            "  --mqtt-version V     5 or 3.1.1 (default 5)",
            "  --password S         the same password for every device (default: none)",
            "  --progress D         how often to print progress (default 5s)");

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    private FleetSim() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the simulation; returns the process exit code (0 ok, 1 failed, 2 bad arguments). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        SimulatedFleet.Builder builder;
        try {
            options = Options.parse(args);
            builder = options.configure(SimulatedFleet.builder());
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        long startedAt = System.nanoTime();
        SimulatedFleet fleet;
        try {
            fleet = builder.start();
        } catch (IllegalStateException e) {
            err.println(e.getMessage());
            return 1;
        }
        Thread goodbye = new Thread(fleet::close, "fleet-sim-shutdown");
        Runtime.getRuntime().addShutdownHook(goodbye);
        try (fleet) {
            out.printf(Locale.ROOT, "started %d devices on %s in %d ms%n",
                    fleet.stats().devices(), options.mqtt(), elapsed(startedAt).toMillis());
            long deadline = startedAt + options.duration().toNanos();
            while (System.nanoTime() < deadline) {
                // Pacing a console, not synchronising anything.
                Thread.sleep(Math.max(1, Math.min(options.progress().toMillis(), (deadline - System.nanoTime()) / 1_000_000)));
                if (System.nanoTime() < deadline) {
                    out.println(line("progress", fleet.stats(), elapsed(startedAt)));
                }
            }
            FleetStats last = fleet.stats();
            out.println(line("summary", last, elapsed(startedAt)));
            return last.heartbeatsFailed() == 0 ? 0 : 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(goodbye);
            } catch (IllegalStateException shuttingDown) {
                // Interrupted by Ctrl-C: the hook is closing the fleet.
            }
        }
    }

    static String line(String what, FleetStats stats, Duration elapsed) {
        return String.format(Locale.ROOT, "%s t=%ds connected=%d/%d sent=%d acked=%d failed=%d",
                what, elapsed.toSeconds(), stats.connected(), stats.devices(),
                stats.heartbeatsSent(), stats.heartbeatsAcked(), stats.heartbeatsFailed());
    }

    private static Duration elapsed(long startedAt) {
        return Duration.ofNanos(System.nanoTime() - startedAt);
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

    record Options(
            String mqtt, int devices, String idPrefix, Duration interval, Duration duration, int households,
            MqttVersion version, String password, Duration progress) {

        static Options parse(String[] args) {
            String mqtt = null;
            int devices = 100;
            String idPrefix = "sim-";
            Duration interval = Duration.ofSeconds(5);
            Duration duration = Duration.ofSeconds(60);
            int households = 10;
            MqttVersion version = MqttVersion.V5;
            String password = null;
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
                    case "--id-prefix" -> idPrefix = value;
                    case "--interval" -> interval = parseDuration(value);
                    case "--duration" -> duration = parseDuration(value);
                    case "--households" -> households = positive(name, value);
                    case "--mqtt-version" -> version = switch (value) {
                        case "5" -> MqttVersion.V5;
                        case "3", "3.1.1" -> MqttVersion.V3_1_1;
                        default -> throw new IllegalArgumentException("--mqtt-version is 5 or 3.1.1, not " + value);
                    };
                    case "--password" -> password = value;
                    case "--progress" -> progress = parseDuration(value);
                    default -> throw new IllegalArgumentException("unknown option " + name);
                }
            }
            if (mqtt == null) {
                throw new IllegalArgumentException("--mqtt is required");
            }
            MqttEndpoint.parse(mqtt);
            return new Options(mqtt, devices, idPrefix, interval, duration, households, version, password, progress);
        }

        SimulatedFleet.Builder configure(SimulatedFleet.Builder builder) {
            String secret = password;
            return builder.mqtt(mqtt)
                    .mqttVersion(version)
                    .credentials(secret == null ? null : deviceId -> secret)
                    .devices(devices)
                    .idPrefix(idPrefix)
                    .households(households)
                    .heartbeatInterval(interval);
        }

        private static int positive(String name, String value) {
            try {
                int number = Integer.parseInt(value);
                if (number > 0) {
                    return number;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(name + " needs a positive whole number, not " + value);
        }
    }
}
