package io.fleet.tracking;

import io.fleet.CborSerializable;
import java.time.Instant;
import java.util.Objects;

/**
 * A tracker entered or left one of its regions, as the OwnTracks app reports it ({@code _type:
 * transition}): when ({@code tst}, the phone's time), the region's name ({@code desc}) and id
 * ({@code rid}, when given), when the region was made ({@code wtst}, when given), where the phone was
 * ({@code lat}/{@code lon}/{@code acc} in metres, when given) and what noticed it ({@code trigger}, the
 * app's {@code t}: {@code c} circular region, {@code b} beacon, {@code l} location; when given).
 */
public record RegionTransition(Instant tst, boolean entered, String region, String rid, Instant wtst, Double lat,
    Double lon, Double acc, String trigger) implements CborSerializable {

  /** The app's word for it: {@code enter} or {@code leave}. */
  public String event() {
    return entered ? "enter" : "leave";
  }

  /** Whether {@code other} reports the same crossing (a redelivery): same time, direction and region. */
  public boolean sameCrossingAs(RegionTransition other) {
    return tst.equals(other.tst) && entered == other.entered && region.equals(other.region)
        && Objects.equals(rid, other.rid);
  }
}
