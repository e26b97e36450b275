package io.fleet.ingest;

import static io.fleet.ingest.DeviceMessages.abbreviate;
import static io.fleet.ingest.DeviceMessages.intIn;
import static io.fleet.ingest.DeviceMessages.number;
import static io.fleet.ingest.DeviceMessages.text;

import com.fasterxml.jackson.databind.JsonNode;
import io.fleet.ingest.DeviceMessages.Invalid;
import io.fleet.tracking.Fix;
import io.fleet.tracking.Region;
import io.fleet.tracking.RegionTransition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the OwnTracks app's JSON, unchanged, whichever of its topics it came on: what a message is
 * says its {@code _type}. Pure; anything that does not fit is {@link Parsed.Rejected} with a reason fit
 * for a dead letter ({@code malformed-json}, {@code invalid-message}).
 */
public final class OwnTracksMessages {
  /**
   * The reason counted in {@code fleet_messages_ignored_total} for a command to the app (on
   * {@code owntracks/{user}/{device}/cmd}): the app reads those, Fleet has nothing to do with them.
   */
  public static final String IGNORED_COMMAND = "owntracks-cmd";
  /** Why an OwnTracks message of a {@code _type} Fleet does not keep is ignored. */
  public static final String IGNORED_OTHER = "owntracks-other";
  private static final int MAX_NAME = 200;
  private static final int MAX_ID = 100;
  /** A region's radius up to 1,000 km: more is no region a phone could watch. */
  private static final int MAX_RADIUS_M = 1_000_000;

  private OwnTracksMessages() {}

  /** An OwnTracks message as Fleet reads it. */
  public sealed interface OwnTracks {
    /** {@code _type: location}: a fix, and the phone's tracker id {@code tid} (a name for a new tracker). */
    record Location(Fix fix, String tid) implements OwnTracks {}

    /** {@code _type: lwt}: the phone's last will (offline). */
    record LastWill() implements OwnTracks {}

    /** {@code _type: transition}: the phone entered or left a region. */
    record Transition(RegionTransition transition, String tid) implements OwnTracks {}

    /** {@code _type: waypoint} (one region, {@code whole} false) or {@code waypoints} (all of them). */
    record Waypoints(List<Region> regions, boolean whole) implements OwnTracks {}

    /** Any other {@code _type}: valid, and nothing Fleet keeps. */
    record Other(String type) implements OwnTracks {}
  }

  /**
   * {@code _type: "location"} with {@code lat}, {@code lon}, {@code tst} (epoch seconds) and optionally
   * {@code alt}, {@code vel} (km/h), {@code acc}, {@code batt}, {@code tid}; {@code "lwt"}, the last will;
   * {@code "transition"} and {@code "waypoint"}/{@code "waypoints"} as in {@link #transition} and
   * {@link #region}. Other types are valid and mean nothing here.
   */
  public static Parsed<OwnTracks> read(byte[] payload) {
    Parsed<JsonNode> object = DeviceMessages.jsonObject(payload, "OwnTracks message");
    if (object instanceof Parsed.Rejected<JsonNode> r) return Parsed.rejected(r.reason(), r.detail());
    JsonNode json = ((Parsed.Ok<JsonNode>) object).value();
    String type = json.path("_type").asText("");
    try {
      return switch (type) {
        case "location" -> Parsed.ok(location(json));
        case "lwt" -> Parsed.ok(new OwnTracks.LastWill());
        case "transition" -> Parsed.ok(new OwnTracks.Transition(transition(json), text(json, "tid", 20)));
        case "waypoint" -> Parsed.ok(new OwnTracks.Waypoints(List.of(region(json)), false));
        case "waypoints" -> Parsed.ok(new OwnTracks.Waypoints(regions(json), true));
        default -> Parsed.ok(new OwnTracks.Other(abbreviate(type)));
      };
    } catch (Invalid e) {
      return Parsed.rejected(DeadLetter.Reason.INVALID_MESSAGE, "OwnTracks " + type + " " + e.getMessage());
    }
  }

  private static OwnTracks.Location location(JsonNode json) throws Invalid {
    double lat = number(json, "lat", -90, 90);
    double lon = number(json, "lon", -180, 180);
    Instant tst = epochSeconds(json, "tst");
    Double alt = json.hasNonNull("alt") ? number(json, "alt", -1000, 100_000) : null;
    Double vel = json.hasNonNull("vel") ? number(json, "vel", 0, 10_000) : null;
    Double acc = accuracy(json);
    Integer batt = intIn(json, "batt", 0, 100);
    return new OwnTracks.Location(new Fix(tst, lat, lon, alt, vel, acc, batt), text(json, "tid", 20));
  }

  /**
   * {@code event} ({@code enter} or {@code leave}), {@code tst} (epoch seconds) and {@code desc} (the
   * region's name) are required; {@code lat}, {@code lon}, {@code acc}, {@code wtst}, {@code rid},
   * {@code t} and {@code tid} are taken when given.
   */
  static RegionTransition transition(JsonNode json) throws Invalid {
    String event = text(json, "event", 10);
    if (!"enter".equals(event) && !"leave".equals(event)) throw new Invalid("needs 'event' as \"enter\" or \"leave\"");
    Instant tst = epochSeconds(json, "tst");
    String region = name(json);
    Double lat = json.hasNonNull("lat") ? number(json, "lat", -90, 90) : null;
    Double lon = json.hasNonNull("lon") ? number(json, "lon", -180, 180) : null;
    Instant wtst = json.hasNonNull("wtst") ? epochSeconds(json, "wtst") : null;
    return new RegionTransition(tst, event.equals("enter"), region, text(json, "rid", MAX_ID), wtst, lat, lon,
        accuracy(json), text(json, "t", 10));
  }

  /**
   * A waypoint: {@code desc}, {@code lat}, {@code lon}, {@code rad} (metres) and {@code tst} (when it was
   * made) are required, {@code rid} is taken when given.
   */
  static Region region(JsonNode json) throws Invalid {
    if (!json.isObject()) throw new Invalid("waypoint must be a JSON object");
    String name = name(json);
    double lat = number(json, "lat", -90, 90);
    double lon = number(json, "lon", -180, 180);
    int rad = (int) Math.round(number(json, "rad", 0, MAX_RADIUS_M));
    return new Region(name, lat, lon, rad, epochSeconds(json, "tst"), text(json, "rid", MAX_ID));
  }

  /** {@code waypoints}: an array of waypoints, possibly empty (the app has no regions). */
  private static List<Region> regions(JsonNode json) throws Invalid {
    JsonNode list = json.get("waypoints");
    if (list == null || !list.isArray()) throw new Invalid("needs 'waypoints' as an array");
    List<Region> regions = new ArrayList<>();
    for (JsonNode waypoint : list) {
      try {
        regions.add(region(waypoint));
      } catch (Invalid e) {
        throw new Invalid("waypoint " + regions.size() + ": " + e.getMessage());
      }
    }
    return regions;
  }

  private static String name(JsonNode json) throws Invalid {
    String desc = text(json, "desc", MAX_NAME);
    if (desc == null || desc.isBlank()) throw new Invalid("needs 'desc' (the region's name)");
    return desc;
  }

  private static Double accuracy(JsonNode json) throws Invalid {
    return json.hasNonNull("acc") ? number(json, "acc", 0, 1_000_000) : null;
  }

  /** OwnTracks' times are whole epoch seconds. */
  private static Instant epochSeconds(JsonNode json, String field) throws Invalid {
    JsonNode n = json.get(field);
    if (n == null || !n.isIntegralNumber()) throw new Invalid("needs '" + field + "' (epoch seconds)");
    try {
      return DeviceMessages.instant(n);
    } catch (Invalid e) {
      throw new Invalid("'" + field + "' out of range: " + abbreviate(n.asText()));
    }
  }
}
