package io.fleet.ingest;

/** The outcome of reading a device message: a value, or the reason it cannot be used. */
public sealed interface Parsed<T> {
  record Ok<T>(T value) implements Parsed<T> {}

  record Rejected<T>(DeadLetter.Reason reason, String detail) implements Parsed<T> {}

  static <T> Parsed<T> ok(T value) {
    return new Ok<>(value);
  }

  static <T> Parsed<T> rejected(DeadLetter.Reason reason, String detail) {
    return new Rejected<>(reason, detail);
  }
}
