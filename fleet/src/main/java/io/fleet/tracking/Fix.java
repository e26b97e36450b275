package io.fleet.tracking;

import io.fleet.CborSerializable;
import java.time.Instant;

/**
 * One position report of a tracker, as OwnTracks sends it: {@code tst} (the phone's time), latitude and
 * longitude in degrees, and, when given, altitude (m), reported speed {@code vel} (km/h), accuracy (m)
 * and battery (%).
 */
public record Fix(Instant tst, double lat, double lon, Double alt, Double vel, Double acc, Integer batt)
    implements CborSerializable {

  public double metresTo(Fix other) {
    return Geo.distance(lat, lon, other.lat, other.lon);
  }
}
