package io.fleet.tracking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A tracker's track judging fixes, its 5-minute speed, route distances and race standings. */
class TrackTest {
  private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
  /** Degrees of longitude per metre at latitude 52.5. */
  private static final double LON_PER_M = 1 / (Geo.EARTH_RADIUS_M * Math.cos(Math.toRadians(52.5)) * Math.PI / 180);

  private static Fix at(int second, double metresEast) {
    return new Fix(T0.plusSeconds(second), 52.5, 13.4 + metresEast * LON_PER_M, null, null, null, null);
  }

  @Test
  void duplicatesJumpsAndTooLateFixesAreRefusedAndLateOnesTakeTheirPlace() {
    Track track = Track.EMPTY.with(at(0, 0)).with(at(20, 100));

    assertThat(track.judge(at(20, 100), 300)).contains("duplicate");
    assertThat(track.judge(at(30, 5000), 300)).as("5 km in 10 s").contains("jump");
    assertThat(track.judge(at(10, 50), 300)).isEmpty();
    Track later = track.with(at(10, 50)).with(at(2000, 10_000));
    assertThat(later.fixes()).extracting(Fix::tst).isSorted();
    assertThat(later.judge(at(30, 150), 300)).as("older than the kept 10 minutes").contains("too late");
  }

  @Test
  void speedIsTheDistanceAlongTheFixesOverTheirTimeInTheWindow() {
    Track track = Track.EMPTY;
    for (int s = 0; s <= 600; s += 10) track = track.with(at(s, Math.min(s, 300) * 5.0));

    assertThat(track.speedKmh(Duration.ofMinutes(5)).orElseThrow()).as("stopped after 300 s").isCloseTo(0, within(0.01));
    assertThat(track.speedKmh(Duration.ofMinutes(10)).orElseThrow()).isCloseTo(1500.0 / 600 * 3.6, within(0.05));
  }

  @Test
  void distanceLeftIsMeasuredAlongTheRouteFromTheNearestPointOnIt() {
    List<double[]> route = List.of(new double[] {52.5, 13.4}, new double[] {52.5, 13.4 + 1000 * LON_PER_M},
        new double[] {52.5 + 0.009, 13.4 + 1000 * LON_PER_M});
    double second = Geo.distance(52.5, 13.4 + 1000 * LON_PER_M, 52.509, 13.4 + 1000 * LON_PER_M);

    assertThat(Geo.remainingAlong(route, 52.5, 13.4 + 400 * LON_PER_M)).isCloseTo(600 + second, within(1.0));
    assertThat(Geo.remainingAlong(route, 52.5001, 13.4 + 400 * LON_PER_M)).as("11 m off the route").isCloseTo(600 + second, within(1.0));
  }

  @Test
  void finishersRankByFinishTimeThenTheRestByDistanceLeftThenThoseNeverSeen() {
    double[] end = {52.5, 13.4 + 1000 * LON_PER_M};
    Race race = new Race("r", "test", T0, end, List.of(), 25, List.of("a", "b", "c", "d"), T0);
    Map<String, List<Fix>> fixes = Map.of(
        "a", List.of(at(0, 0), at(100, 990)),
        "b", List.of(at(0, 0), at(50, 995), at(100, 995)),
        "c", List.of(at(0, 0), at(100, 700)));

    List<Leaderboard.Entry> board = Leaderboard.of(race, fixes, Map.of("a", "Ann"));

    assertThat(board).extracting(Leaderboard.Entry::deviceId).containsExactly("b", "a", "c", "d");
    assertThat(board.get(0).finishedAt()).isEqualTo(T0.plusSeconds(50));
    assertThat(board.get(1).name()).isEqualTo("Ann");
    assertThat(board.get(2).distanceToFinishM()).isCloseTo(300, within(0.5));
    assertThat(board.get(3).lastFix()).isNull();
  }
}
