package io.fleet.device;

import static io.fleet.device.DeviceTesting.DEFAULTS;
import static io.fleet.device.DeviceTesting.eventOf;
import static io.fleet.device.DeviceTesting.newDeviceId;
import static io.fleet.device.DeviceTesting.view;
import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.device.DeviceEvent.EnteredRegion;
import io.fleet.device.DeviceEvent.LeftRegion;
import io.fleet.device.DeviceEvent.Registered;
import io.fleet.device.DeviceEvent.RegionsChanged;
import io.fleet.tracking.Region;
import io.fleet.tracking.RegionBook;
import io.fleet.tracking.RegionTransition;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A tracker's regions and its transitions across their borders, as its OwnTracks app reports them. */
class RegionTest {
  private static final ActorTestKit testKit = ActorTestKit.create(DeviceTesting.CONFIG);

  private String id;
  private EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device;
  private Instant t0;

  @BeforeEach
  void newTracker() {
    id = newDeviceId();
    device = DeviceTesting.device(testKit, id, DEFAULTS);
    t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private RegionTransition crossing(String region, boolean entered, Instant tst) {
    return new RegionTransition(tst, entered, region, null, t0.minusSeconds(3600), 52.5, 13.4, 12.0, "c");
  }

  private CommandResultWithReply<Device.Command, DeviceEvent, DeviceState, StatusReply<Done>> transition(
      RegionTransition transition) {
    return device.runCommand(replyTo -> new Device.RecordTransition(transition, t0, "ab", replyTo));
  }

  private CommandResultWithReply<Device.Command, DeviceEvent, DeviceState, StatusReply<Done>> regions(
      boolean whole, Region... regions) {
    return device.runCommand(replyTo -> new Device.RecordRegions(List.of(regions), whole, t0, replyTo));
  }

  private Region region(String name, String rid, int createdSecondsAgo) {
    return new Region(name, 52.5, 13.4, 50, t0.minusSeconds(createdSecondsAgo), rid);
  }

  @Test
  void aTransitionFromAnUnknownPhoneRegistersItAsATrackerBringsItOnlineAndIsJournaledAsEntered() {
    RegionTransition home = crossing("Home", true, t0);

    var result = transition(home);

    assertThat(result.reply().isSuccess()).isTrue();
    Registered registered = eventOf(result, Registered.class);
    assertThat(registered.type()).isEqualTo(DeviceType.TRACKER);
    assertThat(registered.name()).isEqualTo("ab");
    assertThat(registered.selfRegistered()).isTrue();
    assertThat(eventOf(result, EnteredRegion.class)).isEqualTo(new EnteredRegion(id, t0, home));
    assertThat(view(device).status()).isEqualTo(ConnectionState.ONLINE);
  }

  @Test
  void leavingIsJournaledAsLeftAndTwoCrossingsAtTheSameSecondAreBothTaken() {
    transition(crossing("Home", true, t0));

    var left = transition(crossing("Home", false, t0.plusSeconds(60)));
    var work = transition(crossing("Work", true, t0.plusSeconds(60)));

    assertThat(eventOf(left, LeftRegion.class).transition().region()).isEqualTo("Home");
    assertThat(eventOf(work, EnteredRegion.class).transition().region()).isEqualTo("Work");
  }

  @Test
  void aRedeliveredTransitionIsJournaledOnceAlsoAfterARestart() {
    RegionTransition home = crossing("Home", true, t0);
    transition(home);

    assertThat(transition(home).hasNoEvents()).isTrue();
    device.restart();
    var again = transition(home);

    assertThat(again.reply().isSuccess()).isTrue();
    assertThat(again.hasNoEvents()).isTrue();
  }

  @Test
  void aTransitionWithoutItsTimeIsRefusedAsAnInvalidCommand() {
    var result = transition(new RegionTransition(null, true, "Home", null, null, null, null, null, null));

    assertThat(result.hasNoEvents()).isTrue();
    assertThat(DeviceRefused.of(result.reply()).map(Rejection::kind)).contains(Rejection.Kind.INVALID_COMMAND);
  }

  @Test
  void anUnknownPhoneIsRefusedWhenAutoRegisterIsOff() {
    device = DeviceTesting.device(testKit, id, DeviceTesting.settings("device.auto-register = off"));

    var crossed = transition(crossing("Home", true, t0));
    var listed = regions(true, region("Home", null, 10));

    assertThat(crossed.hasNoEvents()).isTrue();
    assertThat(listed.hasNoEvents()).isTrue();
    assertThat(DeviceRefused.of(crossed.reply()).map(Rejection::kind)).contains(Rejection.Kind.UNKNOWN_DEVICE);
    assertThat(DeviceRefused.of(listed.reply()).map(Rejection::kind)).contains(Rejection.Kind.UNKNOWN_DEVICE);
  }

  @Test
  void aWaypointAddsOrReplacesTheRegionOfItsIdOrNameAndTheSameAgainJournalsNothing() {
    var first = regions(false, region("Home", null, 20));
    assertThat(eventOf(first, Registered.class).type()).isEqualTo(DeviceType.TRACKER);

    regions(false, region("Work", "w-1", 10));
    Region moved = new Region("Office", 52.6, 13.5, 80, t0.minusSeconds(10), "w-1");
    var changed = regions(false, moved);

    assertThat(eventOf(changed, RegionsChanged.class).regions()).containsExactly(region("Home", null, 20), moved);
    assertThat(regions(false, moved).hasNoEvents()).as("the same waypoint again").isTrue();
    assertThat(view(device).regions()).containsExactly(region("Home", null, 20), moved);
  }

  @Test
  void waypointsAreAllOfThePhonesRegionsAndReplaceThem() {
    regions(false, region("Home", null, 20));
    regions(false, region("Gym", null, 15));

    var replaced = regions(true, region("Work", null, 10), region("Home", null, 20));

    assertThat(eventOf(replaced, RegionsChanged.class).regions()).containsExactly(region("Home", null, 20),
        region("Work", null, 10));
    assertThat(regions(true, region("Work", null, 10), region("Home", null, 20)).hasNoEvents()).isTrue();
    assertThat(regions(true).events()).containsExactly(new RegionsChanged(id, t0, List.of()));
  }

  @Test
  void ofMoreRegionsThanADeviceKeepsTheOldestMadeAreDropped() {
    List<Region> many = new ArrayList<>();
    IntStream.range(0, RegionBook.MAX_REGIONS + 5).forEach(i -> many.add(region("r" + i, null, 1000 - i)));

    var listed = regions(true, many.toArray(Region[]::new));
    var older = regions(false, region("ancient", null, 5000));

    assertThat(eventOf(listed, RegionsChanged.class).regions()).hasSize(RegionBook.MAX_REGIONS)
        .containsExactlyElementsOf(many.subList(5, many.size()));
    assertThat(older.hasNoEvents()).as("a region older than every kept one is the one dropped").isTrue();
    var newer = regions(false, region("new", null, 1));
    assertThat(eventOf(newer, RegionsChanged.class).regions()).hasSize(RegionBook.MAX_REGIONS)
        .doesNotContain(many.get(5)).contains(region("new", null, 1));
  }

  @Test
  void aRestartedTrackerStillKnowsItsRegions() {
    regions(true, region("Home", "h", 20), region("Work", "w", 10));
    transition(crossing("Home", false, t0));
    DeviceView before = view(device);

    device.restart();

    assertThat(view(device)).isEqualTo(before);
    assertThat(before.regions()).extracting(Region::name).containsExactly("Home", "Work");
  }
}
