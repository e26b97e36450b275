package io.fleet.device;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.device.DeviceEvent.BatteryLow;
import io.fleet.device.DeviceEvent.CameOnline;
import io.fleet.device.DeviceEvent.FirmwareChanged;
import io.fleet.device.DeviceEvent.FirstHeartbeat;
import io.fleet.device.DeviceEvent.LastSeenUpdated;
import io.fleet.device.DeviceEvent.Registered;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** A self-registration with nothing but its first heartbeat's facts is journaled as one row that gives them back. */
class FirstHeartbeatJournalTest {
  private static final Instant AT = Instant.parse("2026-12-07T08:00:00Z");
  private static final Instant TS = AT.minusMillis(40);
  private static final Registered SELF = new Registered("d-1", AT, DeviceType.SENSOR, "Attic", null, null, true, null);

  @Test
  void aFirstHeartbeatThatOnlyBroughtTheDeviceOnlineIsOneRegisteredCarryingIt() {
    List<DeviceEvent> events = List.of(SELF, new CameOnline("d-1", AT, 30, TS),
        new FirmwareChanged("d-1", AT, null, "2.1", TS), new LastSeenUpdated("d-1", AT, 80, -60, 7L, 30, 0, TS));

    List<DeviceEvent> journaled = DeviceEvent.journaled(events);

    assertThat(journaled).containsExactly(new Registered("d-1", AT, DeviceType.SENSOR, "Attic", null, null, true,
        new FirstHeartbeat(30, TS, "2.1", 80, -60, 7L, 0)));
    assertThat(DeviceEvent.facts(journaled.get(0))).isEqualTo(events);
  }

  @Test
  void aFirstHeartbeatNamingNoFirmwareIsOneRowOfThreeFacts() {
    List<DeviceEvent> events = List.of(SELF, new CameOnline("d-1", AT, 30, TS),
        new LastSeenUpdated("d-1", AT, null, null, null, 30, null, TS));

    assertThat(DeviceEvent.journaled(events)).singleElement()
        .satisfies(one -> assertThat(DeviceEvent.facts(one)).isEqualTo(events));
  }

  @Test
  void aFirstHeartbeatThatAlsoCausedMoreIsJournaledEventByEvent() {
    List<DeviceEvent> lowBattery = List.of(SELF, new CameOnline("d-1", AT, 30, TS), new BatteryLow("d-1", AT, 5, TS),
        new LastSeenUpdated("d-1", AT, 5, null, null, 30, null, TS));
    List<DeviceEvent> noRegistration = List.of(new CameOnline("d-1", AT, 30, TS), new FirmwareChanged("d-1", AT, null, "2.1", TS),
        new LastSeenUpdated("d-1", AT, 80, null, null, 30, null, TS));

    assertThat(DeviceEvent.journaled(lowBattery)).isSameAs(lowBattery);
    assertThat(DeviceEvent.journaled(noRegistration)).isSameAs(noRegistration);
  }

  /** Whatever the values, the row journaled gives back exactly the events (or they are journaled as they are). */
  @Property(tries = 300)
  void theFactsOfWhatIsJournaledAreAlwaysTheEventsInOrder(@ForAll("firstContacts") List<DeviceEvent> events) {
    List<DeviceEvent> journaled = DeviceEvent.journaled(events);

    assertThat(journaled.stream().flatMap(e -> DeviceEvent.facts(e).stream()).toList()).isEqualTo(events);
  }

  /** Registration, coming online, maybe a firmware (from nothing or not), last seen: times and intervals that agree or not. */
  @Provide
  Arbitrary<List<DeviceEvent>> firstContacts() {
    Arbitrary<Instant> time = Arbitraries.of(AT, TS, AT.plusSeconds(1));
    Arbitrary<Integer> interval = Arbitraries.of(15, 30);
    Arbitrary<String> firmware = Arbitraries.of("2.1", "2.2").injectNull(0.3);
    Arbitrary<String> from = Arbitraries.of("1.0").injectNull(0.7);
    Arbitrary<Integer> battery = Arbitraries.integers().between(0, 100).injectNull(0.3);
    return Combinators.combine(time, time, time, interval, interval, firmware, from, battery).as(
        (onlineAt, firmwareTs, seenTs, onlineInterval, seenInterval, to, was, level) -> {
          List<DeviceEvent> events = new ArrayList<>(List.of(SELF, new CameOnline("d-1", AT, onlineInterval, onlineAt)));
          if (to != null) events.add(new FirmwareChanged("d-1", AT, was, to, firmwareTs));
          events.add(new LastSeenUpdated("d-1", onlineAt, level, null, 3L, seenInterval, null, seenTs));
          return events;
        });
  }
}
