package io.fleet.api;

import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import net.jqwik.api.sessions.JqwikSession;

/**
 * Generated hostile input for the integration suite, reproducible from a seed: JSON that is broken, of
 * the wrong types, at the edges of numbers and calendars, deeply nested, with control characters and odd
 * unicode; device ids with {@code ..}, {@code %}, spaces or nothing; Kafka headers missing or garbled.
 * Built from jqwik's arbitraries, drawn with a seeded {@link Random} so a failing run can be repeated.
 */
final class HostileInputs {
  /** Device-id suffixes a topic may carry: valid odd ones and ones Fleet must refuse. */
  static final List<String> ID_SUFFIXES = List.of("", "..", ".", "%", "%2e%2e", "a b", "\u00e9", "\u200b", "\u202e",
      "\uD83D\uDE00", "x".repeat(200), "-_.", "\\", "'", "\"", "<script>");
  static final List<String> KINDS = List.of("heartbeat", "telemetry", "motion", "status", "reboot", "");

  private final Random random;

  HostileInputs(long seed) {
    this.random = new Random(seed);
  }

  /** One value of {@code arbitrary}, in a jqwik session of its own (jqwik generates only inside one). */
  <T> T draw(Arbitrary<T> arbitrary) {
    List<T> drawn = new ArrayList<>(1);
    JqwikSession.run(() -> drawn.add(arbitrary.generator(1000).next(random).value()));
    return drawn.get(0);
  }

  String idSuffix() {
    return ID_SUFFIXES.get(random.nextInt(ID_SUFFIXES.size()));
  }

  String kind() {
    return KINDS.get(random.nextInt(KINDS.size()));
  }

  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  /** A payload: mostly JSON objects with hostile members, sometimes broken JSON, bare values or raw bytes. */
  byte[] payload() {
    return switch (random.nextInt(10)) {
      case 0 -> draw(Arbitraries.bytes().array(byte[].class).ofMaxSize(512));
      case 1 -> new byte[0];
      case 2 -> new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE, '{', '}'};
      default -> draw(json()).getBytes(StandardCharsets.UTF_8);
    };
  }

  static Arbitrary<String> json() {
    Arbitrary<String> field = Arbitraries.of("ts", "battery", "rssi", "firmware", "interval_s", "errors", "type", "name",
        "household", "readings", "temperature", "event_id", "clip_id", "score", "device_id", "time", "device_type",
        "url", "_type", "lat", "lon", "tst", "vel", "state", "unknown", "\u0000", "\uD83D\uDE00");
    Arbitrary<String> value = Arbitraries.oneOf(
        Arbitraries.of("null", "true", "NaN", "Infinity", "1e308", "-1e308", "4.9e-324", "-1", "0",
            "9223372036854775807", "-9223372036854775808", "184467440737095516150", "\"\"", "\"2999-01-01T00:00:00Z\"",
            "\"20259999T999999Z-000000000000\"", "\"2026-13-45 99:99:99\"", "\"camera\"", "\"online\"", "\"location\"",
            "\"lwt\"", "\"\\u0000\\u001f\\u007f\"", "\"\\ud800\"", "[]", "{}", "1700000000", "32503680000000",
            "9300000000000000", "{\"a\":{\"b\":{\"c\":[1,2,{\"d\":null}]}}}"),
        Arbitraries.integers().between(1, 2000).map(depth -> "[".repeat(depth) + "]".repeat(depth)),
        Arbitraries.strings().withCharRange(' ', '\uffff').ofMaxLength(64).map(HostileInputs::quoted),
        Arbitraries.integers().between(1, 64 * 1024).map(n -> quoted("s".repeat(n))),
        Arbitraries.doubles().map(d -> Double.toString(d)));
    Arbitrary<String> member = Combinators.combine(field, value).as((f, v) -> quoted(f) + ":" + v);
    Arbitrary<String> object = member.list().ofMaxSize(6).map(members -> "{" + String.join(",", members) + "}");
    return Arbitraries.frequencyOf(
        Tuple.of(6, object),
        Tuple.of(2, object.map(o -> o.substring(0, o.length() / 2))),
        Tuple.of(1, value));
  }

  /** Header values a device or a stray producer could put where Fleet expects its own. */
  List<byte[]> garbledHeaderValues() {
    List<byte[]> values = new ArrayList<>();
    values.add(new byte[0]);
    values.add("not-a-number".getBytes(StandardCharsets.UTF_8));
    values.add("99999999999999999999999".getBytes(StandardCharsets.UTF_8));
    values.add(new byte[] {(byte) 0xFF, (byte) 0xFE, 0});
    values.add("-1".getBytes(StandardCharsets.UTF_8));
    return values;
  }

  /** {@code s} as a JSON string literal, whatever it holds. */
  static String quoted(String s) {
    return TextNode.valueOf(s).toString();
  }
}
