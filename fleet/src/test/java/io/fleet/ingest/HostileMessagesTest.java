package io.fleet.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import io.fleet.device.Heartbeat;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Every parser of device input answers any bytes with a value or a rejection and a reason, and never
 * throws: one thrown exception in a stream stage was enough to stop ingestion for good. The generated
 * input leans on what broke or could break it: timestamps beyond any calendar, numbers at the edge of a
 * double, deep nesting, control characters, long strings, and arbitrary bytes.
 */
class HostileMessagesTest {
  private static final Instant NOW = Instant.parse("2026-12-04T12:00:00Z");

  @Property(tries = 300)
  void noParserThrowsOnGeneratedJson(@ForAll("hostileJson") String json) {
    everyParserAnswers(json.getBytes(StandardCharsets.UTF_8));
  }

  @Property(tries = 200)
  void noParserThrowsOnArbitraryBytes(@ForAll("bytes") byte[] payload) {
    everyParserAnswers(payload);
  }

  private static void everyParserAnswers(byte[] payload) {
    assertAnswered(DeviceMessages.heartbeat(payload, NOW));
    assertAnswered(DeviceMessages.telemetry(payload, NOW));
    assertAnswered(OwnTracksMessages.read(payload));
    assertAnswered(DeviceMessages.status(payload));
    assertAnswered(MotionMessages.mqtt(payload, NOW));
    assertAnswered(MotionMessages.seed(payload, NOW, ZoneOffset.UTC));
  }

  @Property(tries = 200)
  void anAcceptedDeviceTimeFitsEveryDatabaseColumn(@ForAll("timestamps") String ts) {
    Parsed<Heartbeat> parsed = DeviceMessages.heartbeat(("{\"ts\":" + ts + "}").getBytes(StandardCharsets.UTF_8), NOW);
    assertAnswered(parsed);
    if (parsed instanceof Parsed.Ok<Heartbeat> ok) {
      assertThat(ok.value().ts()).isBetween(Instant.EPOCH, Instant.parse("9999-12-31T23:59:59Z"));
    }
  }

  @Example
  void timestampsBeyondTheCalendarAreRejectedWithTheirReason() {
    for (String ts : new String[] {"-9223372036854775808", "9223372036854775807", "1e308", "99999999999999999999999",
        "\"+999999999-12-31T23:59:59Z\"", "-100000000000", "9300000000000000"}) {
      Parsed<?> parsed = DeviceMessages.heartbeat(("{\"ts\":" + ts + "}").getBytes(StandardCharsets.UTF_8), NOW);
      assertThat(parsed).as(ts).isInstanceOf(Parsed.Rejected.class);
      assertThat(((Parsed.Rejected<?>) parsed).detail()).as(ts).contains("'ts'");
    }
  }

  @Example
  void theOwnTracksFixFromTheYear294MillionIsRefused() {
    Parsed<?> parsed = OwnTracksMessages.read(
        "{\"_type\":\"location\",\"lat\":1,\"lon\":2,\"tst\":9300000000000000}".getBytes(StandardCharsets.UTF_8));
    assertThat(parsed).isInstanceOf(Parsed.Rejected.class);
  }

  private static void assertAnswered(Parsed<?> parsed) {
    assertThat(parsed).isNotNull();
    if (parsed instanceof Parsed.Rejected<?> r) {
      assertThat(r.reason()).isNotNull();
      assertThat(r.detail()).isNotBlank();
    }
  }

  @Provide
  Arbitrary<byte[]> bytes() {
    return Arbitraries.bytes().array(byte[].class).ofMaxSize(2048);
  }

  @Provide
  Arbitrary<String> timestamps() {
    return Arbitraries.oneOf(
        Arbitraries.longs().map(n -> Long.toString(n)),
        Arbitraries.bigIntegers().between(new BigInteger("-1" + "0".repeat(30)), new BigInteger("1" + "0".repeat(30)))
            .map(n -> n.toString()),
        Arbitraries.doubles().map(d -> Double.toString(d)),
        Arbitraries.of("1e308", "-1e308", "NaN", "Infinity", "\"NaN\"", "null", "true", "[]", "{}"),
        Arbitraries.integers().between(-999_999_999, 999_999_999)
            .map(year -> "\"" + (year < 0 || year > 9999 ? (year < 0 ? "-" : "+") + String.format("%09d", Math.abs(year)) : String.format("%04d", year))
                + "-01-01T00:00:00Z\""));
  }

  @Provide
  Arbitrary<String> hostileJson() {
    Arbitrary<String> field = Arbitraries.of("ts", "battery", "rssi", "firmware", "uptime_s", "interval_s", "errors",
        "type", "name", "household", "readings", "temperature", "event_id", "clip_id", "score", "device_id", "time",
        "device_type", "url", "_type", "lat", "lon", "tst", "vel", "alt", "batt", "state", "status", "unknown\u0000",
        "\uD83D\uDE00", "event", "desc", "wtst", "rid", "rad", "acc", "waypoints", "tid", "t");
    Arbitrary<String> value = Arbitraries.lazyOf(
        () -> Arbitraries.of("null", "true", "false", "NaN", "-Infinity", "1e308", "-1e308", "4.9e-324", "0", "-1",
            "9223372036854775807", "-9223372036854775808", "184467440737095516150", "\"\"", "\"2999-01-01T00:00:00Z\"",
            "\"20259999T999999Z-000000000000\"", "\"2026-13-45 99:99:99\"", "\"camera\"", "\"online\"", "\"location\"",
            "\"lwt\"", "\"\\u0000\\u001f\\u007f\"", "\"\\ud800\"", "[]", "{}", "1700000000", "4102444800000",
            "\"transition\"", "\"waypoint\"", "\"waypoints\"", "\"enter\"", "\"leave\"", "[null, 1, {}]",
            "[{\"desc\":\"x\",\"lat\":1,\"lon\":2,\"rad\":1e308,\"tst\":1}]"),
        () -> Arbitraries.strings().ofMaxLength(70_000).withCharRange('\u0000', '\uffff')
            .map(HostileMessagesTest::quoted),
        () -> Arbitraries.integers().between(1, 3000).map(depth -> "[".repeat(depth) + "]".repeat(depth)),
        () -> Arbitraries.doubles().map(d -> Double.toString(d)));
    Arbitrary<String> member = Combinators.combine(field, value).as((f, v) -> quoted(f) + ":" + v);
    Arbitrary<String> object = member.list().ofMaxSize(8).map(members -> "{" + String.join(",", members) + "}");
    Arbitrary<String> broken = object.map(o -> o.substring(0, Math.max(0, o.length() / 2)));
    return Arbitraries.frequencyOf(
        Tuple.of(6, object),
        Tuple.of(2, broken),
        Tuple.of(1, value));
  }

  /** {@code s} as a JSON string literal, whatever it holds. */
  static String quoted(String s) {
    return TextNode.valueOf(s).toString();
  }
}
