package io.fleet.tracking;

import io.fleet.CborSerializable;
import java.time.Instant;

/**
 * A region a tracker watches, as the OwnTracks app defines it (its waypoint): a circle of
 * {@code radiusM} metres around {@code lat}/{@code lon} (0 for a beacon region), its {@code name}
 * ({@code desc}), when it was made on the phone ({@code createdAt}, the waypoint's {@code tst}) and
 * the app's region id {@code rid} when it gives one.
 */
public record Region(String name, double lat, double lon, int radiusM, Instant createdAt, String rid)
    implements CborSerializable {

  /** What names the region across messages: its {@code rid}, or its name when the app gives no id. */
  public String key() {
    return rid != null ? "rid:" + rid : "name:" + name;
  }
}
