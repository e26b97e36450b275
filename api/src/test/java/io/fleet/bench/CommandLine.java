package io.fleet.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A benchmark's options, {@code --name value} each, checked against the names it knows. */
final class CommandLine {
  private final Map<String, String> given;

  private CommandLine(Map<String, String> given) {
    this.given = given;
  }

  /** Throws IllegalArgumentException, naming the culprit, for an option not in {@code known} or without a value. */
  static CommandLine parse(String[] args, List<String> known) {
    Map<String, String> given = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String key = args[i];
      if (!key.startsWith("--") || i + 1 >= args.length) throw new IllegalArgumentException("bad argument: " + key);
      given.put(key.substring(2), args[++i]);
    }
    for (String key : given.keySet()) {
      if (!known.contains(key)) throw new IllegalArgumentException("unknown option --" + key);
    }
    return new CommandLine(given);
  }

  String get(String name, String otherwise) {
    return given.getOrDefault(name, otherwise);
  }

  /** The option's value, or null when not given. */
  String get(String name) {
    return given.get(name);
  }

  int positive(String name, String otherwise) {
    return checked(name, get(name, otherwise));
  }

  /** A comma-separated list of positive integers, e.g. {@code 1,2,3}. */
  List<Integer> positives(String name, String otherwise) {
    return Arrays.stream(get(name, otherwise).split(",")).map(v -> checked(name, v.trim())).toList();
  }

  /** A whole number of seconds, e.g. {@code 300s} (the {@code s} may be left off). */
  Duration seconds(String name, String otherwise) {
    return Duration.ofSeconds(checked(name, get(name, otherwise).replaceAll("s$", "")));
  }

  private static int checked(String name, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n < 1) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a positive integer: " + value);
    }
  }
}
