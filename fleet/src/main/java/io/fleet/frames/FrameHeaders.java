package io.fleet.frames;

import io.fleet.protocol.DeviceId;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The Kafka record headers a camera puts on each JPEG frame of {@code fleet.frames}: {@code camera-id},
 * {@code sequence} (0, 1, 2, … per camera) and {@code time} (capture time, epoch milliseconds), as
 * decimal UTF-8 text. The record key is the camera id too, so one camera's frames share a partition.
 */
public final class FrameHeaders {
  public static final String CAMERA_ID = "camera-id";
  public static final String SEQUENCE = "sequence";
  public static final String TIME = "time";

  private FrameHeaders() {}

  /** What the headers say about a frame. */
  public record Stamp(String cameraId, long sequence, long timeMillis) {}

  /** Thrown for headers missing or not readable, with the reason. */
  public static final class Invalid extends Exception {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  /** Puts the three headers on a record (for cameras, tests and benchmarks). */
  public static void put(Headers headers, String cameraId, long sequence, long timeMillis) {
    headers.add(CAMERA_ID, cameraId.getBytes(StandardCharsets.UTF_8));
    headers.add(SEQUENCE, Long.toString(sequence).getBytes(StandardCharsets.UTF_8));
    headers.add(TIME, Long.toString(timeMillis).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads the stamp of a record keyed {@code key}.
   *
   * @throws Invalid when a header is missing or unreadable, the camera id is not a device id, or the key
   *     names another camera
   */
  public static Stamp read(String key, Headers headers) throws Invalid {
    String camera = text(headers, CAMERA_ID);
    if (!DeviceId.isValid(camera)) {
      throw new Invalid("header " + CAMERA_ID + " must be 1-128 letters, digits, '.', '-' or '_'");
    }
    if (!camera.equals(key)) throw new Invalid("record key '" + key + "' is not the camera id '" + camera + "'");
    long sequence = number(headers, SEQUENCE);
    long time = number(headers, TIME);
    if (sequence < 0 || time < 0) throw new Invalid("headers " + SEQUENCE + " and " + TIME + " must not be negative");
    return new Stamp(camera, sequence, time);
  }

  private static String text(Headers headers, String name) throws Invalid {
    Header header = headers.lastHeader(name);
    if (header == null || header.value() == null) throw new Invalid("header " + name + " missing");
    return new String(header.value(), StandardCharsets.UTF_8).trim();
  }

  private static long number(Headers headers, String name) throws Invalid {
    String text = text(headers, name);
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw new Invalid("header " + name + " is not a whole number: '" + (text.length() > 40 ? text.substring(0, 40) + "…" : text) + "'");
    }
  }
}
