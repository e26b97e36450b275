package io.fleet.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FleetSimTest {

    @Test
    void readsEveryOption() {
        FleetSim.Options options = FleetSim.Options.parse(new String[] {
            "--mqtt", "tcp://10.0.0.5:1884", "--devices", "2000", "--interval", "500ms", "--id-prefix", "load-",
            "--duration", "2m", "--households", "40", "--mqtt-version", "3.1.1", "--password", "s3cret",
            "--progress", "10s"});

        assertThat(options).isEqualTo(new FleetSim.Options("tcp://10.0.0.5:1884", 2000, "load-",
                Duration.ofMillis(500), Duration.ofMinutes(2), 40, MqttVersion.V3_1_1, "s3cret", Duration.ofSeconds(10)));
    }

    @Test
    void needsOnlyTheBroker() {
        FleetSim.Options options = FleetSim.Options.parse(new String[] {"--mqtt", "tcp://127.0.0.1:1883"});

        assertThat(options.devices()).isEqualTo(100);
        assertThat(options.interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(options.duration()).isEqualTo(Duration.ofSeconds(60));
        assertThat(options.version()).isEqualTo(MqttVersion.V5);
        assertThat(options.password()).isNull();
    }

    @Test
    void durationsTakeUnitsAndABareNumberIsSeconds() {
        assertThat(FleetSim.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(FleetSim.parseDuration("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(FleetSim.parseDuration("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(FleetSim.parseDuration("3m")).isEqualTo(Duration.ofMinutes(3));
        assertThat(FleetSim.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> FleetSim.parseDuration("5 seconds")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badArgumentsPrintTheReasonAndUsageAndExitWithTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int exitCode = FleetSim.run(new String[] {"--devices", "0", "--mqtt", "tcp://127.0.0.1:1"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(exitCode).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--devices needs a positive whole number, not 0")
                .contains("usage: FleetSim");
    }

    @Test
    void theBrokerIsATcpOrMqttUrl() {
        assertThat(MqttEndpoint.parse("tcp://127.0.0.1:1883")).isEqualTo(new MqttEndpoint("127.0.0.1", 1883));
        assertThat(MqttEndpoint.parse("mqtt://broker.example")).isEqualTo(new MqttEndpoint("broker.example", 1883));
        assertThatThrownBy(() -> MqttEndpoint.parse("http://127.0.0.1:1883")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FleetSim.Options.parse(new String[] {"--mqtt", "127.0.0.1"}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
