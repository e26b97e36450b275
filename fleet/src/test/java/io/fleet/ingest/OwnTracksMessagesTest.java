package io.fleet.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.ingest.OwnTracksMessages.OwnTracks;
import io.fleet.tracking.Fix;
import io.fleet.tracking.Region;
import io.fleet.tracking.RegionTransition;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The OwnTracks app's JSON as it sends it: each {@code _type} Fleet keeps, read strictly; the rest ignored. */
class OwnTracksMessagesTest {
  private static final Instant TST = Instant.ofEpochSecond(1763632800L);
  private static final Instant MADE = Instant.ofEpochSecond(1763000000L);

  private static Parsed<OwnTracks> read(String json) {
    return OwnTracksMessages.read(json.getBytes(StandardCharsets.UTF_8));
  }

  private static OwnTracks ok(String json) {
    Parsed<OwnTracks> parsed = read(json);
    assertThat(parsed).isInstanceOf(Parsed.Ok.class);
    return ((Parsed.Ok<OwnTracks>) parsed).value();
  }

  private static Parsed.Rejected<?> rejected(String json) {
    Parsed<OwnTracks> parsed = read(json);
    assertThat(parsed).as(json).isInstanceOf(Parsed.Rejected.class);
    return (Parsed.Rejected<?>) parsed;
  }

  @Test
  void locationsAreReadUnchangedLastWillsRecognisedAndOtherTypesIgnored() {
    var location = (OwnTracks.Location) ok("{\"_type\":\"location\",\"lat\":52.5,"
        + "\"lon\":13.4,\"tst\":1763632800,\"vel\":18,\"alt\":34,\"acc\":5,\"batt\":80,\"tid\":\"ab\"}");
    assertThat(location.fix()).isEqualTo(new Fix(TST, 52.5, 13.4, 34.0, 18.0, 5.0, 80));
    assertThat(location.tid()).isEqualTo("ab");
    assertThat(ok("{\"_type\":\"lwt\",\"tst\":1}")).isInstanceOf(OwnTracks.LastWill.class);
    assertThat(ok("{\"_type\":\"card\",\"name\":\"Ann\"}")).isEqualTo(new OwnTracks.Other("card"));
    assertThat(rejected("{\"_type\":\"location\",\"lat\":95,\"lon\":13,\"tst\":1}").detail()).contains("'lat' out of range");
    assertThat(rejected("{\"_type\":\"location\",\"lat\":52,\"lon\":13}").detail()).contains("tst");
  }

  @Test
  void aTransitionIsReadWithEverythingTheAppSays() {
    var transition = (OwnTracks.Transition) ok("""
        {"_type":"transition","wtst":1763000000,"lat":52.5,"lon":13.4,"tst":1763632800,"acc":12,"tid":"ab",
         "event":"enter","desc":"Home","t":"c","rid":"a1b2"}""");

    assertThat(transition.transition()).isEqualTo(
        new RegionTransition(TST, true, "Home", "a1b2", MADE, 52.5, 13.4, 12.0, "c"));
    assertThat(transition.tid()).isEqualTo("ab");
  }

  @Test
  void aTransitionNeedsOnlyItsEventRegionAndTime() {
    var transition = (OwnTracks.Transition) ok("{\"_type\":\"transition\",\"event\":\"leave\",\"desc\":\"Work\",\"tst\":1763632800}");

    assertThat(transition.transition()).isEqualTo(new RegionTransition(TST, false, "Work", null, null, null, null, null, null));
    assertThat(transition.transition().event()).isEqualTo("leave");
  }

  @Test
  void aMalformedTransitionIsRefusedWithItsReason() {
    assertThat(rejected("{\"_type\":\"transition\",\"desc\":\"Home\",\"tst\":1763632800}").detail()).contains("'event'");
    assertThat(rejected("{\"_type\":\"transition\",\"event\":\"arrive\",\"desc\":\"Home\",\"tst\":1763632800}").detail())
        .contains("\"enter\" or \"leave\"");
    assertThat(rejected("{\"_type\":\"transition\",\"event\":\"enter\",\"tst\":1763632800}").detail()).contains("'desc'");
    assertThat(rejected("{\"_type\":\"transition\",\"event\":\"enter\",\"desc\":\" \",\"tst\":1763632800}").detail())
        .contains("'desc'");
    assertThat(rejected("{\"_type\":\"transition\",\"event\":\"enter\",\"desc\":{},\"tst\":1763632800}").detail())
        .contains("'desc' must be a string");
    assertThat(rejected("{\"_type\":\"transition\",\"event\":\"enter\",\"desc\":\"Home\"}").detail()).contains("'tst'");
    assertThat(rejected("{\"_type\":\"transition\",\"event\":\"enter\",\"desc\":\"Home\",\"tst\":\"today\"}").detail())
        .contains("'tst'");
    assertThat(rejected("{\"_type\":\"transition\",\"event\":\"enter\",\"desc\":\"Home\",\"tst\":9300000000000000}").detail())
        .contains("'tst' out of range");
    assertThat(rejected("{\"_type\":\"transition\",\"event\":\"enter\",\"desc\":\"Home\",\"tst\":1,\"lat\":91}").detail())
        .contains("'lat' out of range");
    assertThat(rejected("{\"_type\":\"transition\",\"event\":\"enter\",\"desc\":\"Home\",\"tst\":1,\"acc\":NaN}").reason())
        .isEqualTo(DeadLetter.Reason.MALFORMED_JSON);
    assertThat(rejected("{\"_type\":\"transition\",\"event\":\"enter\",\"desc\":\"Home\",\"tst\":1,\"wtst\":-5}").detail())
        .contains("'wtst'");
    assertThat(rejected("{\"_type\":\"transition\",\"event\":\"enter\",\"desc\":\"" + "x".repeat(201) + "\",\"tst\":1}")
        .detail()).contains("longer than 200");
    assertThat(rejected("{\"_type\":\"transition\",\"event\":\"enter\"").reason()).isEqualTo(DeadLetter.Reason.MALFORMED_JSON);
    assertThat(rejected("{\"_type\":\"transition\",\"desc\":\"Home\",\"tst\":1}").reason())
        .isEqualTo(DeadLetter.Reason.INVALID_MESSAGE);
  }

  @Test
  void aWaypointIsOneRegionAndWaypointsAreAllOfThem() {
    var one = (OwnTracks.Waypoints) ok(
        "{\"_type\":\"waypoint\",\"desc\":\"Home\",\"lat\":52.5,\"lon\":13.4,\"rad\":50,\"tst\":1763000000,\"rid\":\"a1b2\"}");
    assertThat(one.whole()).isFalse();
    assertThat(one.regions()).containsExactly(new Region("Home", 52.5, 13.4, 50, MADE, "a1b2"));

    var all = (OwnTracks.Waypoints) ok("""
        {"_type":"waypoints","waypoints":[
          {"_type":"waypoint","desc":"Home","lat":52.5,"lon":13.4,"rad":50,"tst":1763000000},
          {"_type":"waypoint","desc":"Beacon","lat":0,"lon":0,"rad":0,"tst":1763000001,"uuid":"x","major":1,"minor":2}]}""");
    assertThat(all.whole()).isTrue();
    assertThat(all.regions()).containsExactly(new Region("Home", 52.5, 13.4, 50, MADE, null),
        new Region("Beacon", 0, 0, 0, MADE.plusSeconds(1), null));
    assertThat(((OwnTracks.Waypoints) ok("{\"_type\":\"waypoints\",\"waypoints\":[]}")).regions()).isEmpty();
  }

  @Test
  void aMalformedWaypointIsRefusedWithItsReason() {
    assertThat(rejected("{\"_type\":\"waypoint\",\"lat\":52.5,\"lon\":13.4,\"rad\":50,\"tst\":1}").detail()).contains("'desc'");
    assertThat(rejected("{\"_type\":\"waypoint\",\"desc\":\"Home\",\"lon\":13.4,\"rad\":50,\"tst\":1}").detail()).contains("'lat'");
    assertThat(rejected("{\"_type\":\"waypoint\",\"desc\":\"Home\",\"lat\":52.5,\"lon\":13.4,\"tst\":1}").detail()).contains("'rad'");
    assertThat(rejected("{\"_type\":\"waypoint\",\"desc\":\"Home\",\"lat\":52.5,\"lon\":13.4,\"rad\":-1,\"tst\":1}").detail())
        .contains("'rad' out of range");
    assertThat(rejected("{\"_type\":\"waypoint\",\"desc\":\"Home\",\"lat\":52.5,\"lon\":13.4,\"rad\":5}").detail()).contains("'tst'");
    assertThat(rejected("{\"_type\":\"waypoints\"}").detail()).contains("'waypoints' as an array");
    assertThat(rejected("{\"_type\":\"waypoints\",\"waypoints\":{}}").detail()).contains("'waypoints' as an array");
    assertThat(rejected("{\"_type\":\"waypoints\",\"waypoints\":[{\"desc\":\"A\",\"lat\":1,\"lon\":2,\"rad\":3,\"tst\":4}, 7]}")
        .detail()).contains("waypoint 1").contains("JSON object");
    assertThat(rejected("[{\"_type\":\"waypoint\"}]").reason()).isEqualTo(DeadLetter.Reason.MALFORMED_JSON);
    assertThat(rejected("{\"_type\":\"waypoint\"}").reason()).isEqualTo(DeadLetter.Reason.INVALID_MESSAGE);
  }
}
