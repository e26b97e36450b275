package io.fleet.readside;

import static org.assertj.core.api.Assertions.assertThat;

import io.fleet.infra.Database;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Event search over 100,000 generated events returns exactly what a brute-force filter of the same rows
 * returns, page after page, for random time ranges, device sets, types and households — on H2 and, when
 * FLEET_IT_POSTGRES_URL is set, on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventSearchIT {
  private static final int EVENTS = 100_000;
  private static final Instant START = Instant.parse("2026-10-01T00:00:00Z");
  private static final List<String> DEVICES = Stream.iterate(0, i -> i + 1).limit(60).map(i -> "dev-" + i).toList();
  @TempDir static Path dir;

  record Store(String name, Database db, List<DeviceEventRow> rows) {
    @Override
    public String toString() {
      return name;
    }
  }

  private final List<Store> stores = new ArrayList<>();

  @BeforeAll
  void fill() throws Exception {
    stores.add(filled("h2", Database.open(Database.h2Url(dir.resolve("db")), "", "", 4)));
    String pg = System.getenv("FLEET_IT_POSTGRES_URL");
    if (pg != null && !pg.isBlank()) {
      String schema = "it_search_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
      stores.add(filled("postgres", Database.open(Database.freshPostgresSchemaUrl(pg, schema), "", "", 4)));
    }
  }

  @AfterAll
  void close() {
    stores.forEach(s -> s.db().close());
  }

  Stream<Store> stores() {
    return stores.stream();
  }

  private static Store filled(String name, Database db) throws Exception {
    db.migrate();
    Random random = new Random(42);
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO device_event (device_id, household, event_type, occurred_at, detail)"
            + " VALUES (?, ?, ?, ?, '{}')")) {
      c.setAutoCommit(false);
      for (int i = 0; i < EVENTS; i++) {
        String device = DEVICES.get(random.nextInt(DEVICES.size()));
        ps.setString(1, device);
        ps.setString(2, "h-" + (device.hashCode() & 7));
        ps.setString(3, EventSearch.types().get(random.nextInt(EventSearch.types().size())));
        // Whole seconds within 30 days: many events share a time, so the id must break ties.
        ps.setTimestamp(4, Timestamp.from(START.plusSeconds(random.nextInt(30 * 24 * 3600 / 20) * 20L)));
        ps.addBatch();
        if (i % 5000 == 4999) ps.executeBatch();
      }
      ps.executeBatch();
      c.commit();
    }
    EventPage all = new EventSearch(db.dataSource()).search(
        new EventQuery(Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Optional.empty(), EventQuery.MAX_LIMIT, Optional.empty()));
    List<DeviceEventRow> rows = new ArrayList<>();
    readAll(new EventSearch(db.dataSource()),
        new EventQuery(Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Optional.empty(), EventQuery.MAX_LIMIT, Optional.empty()),
        rows);
    assertThat(all.items()).hasSize(EventQuery.MAX_LIMIT);
    assertThat(rows).hasSize(EVENTS);
    return new Store(name, db, rows);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void randomSearchesReturnExactlyWhatABruteForceFilterReturnsAcrossPages(Store store) throws Exception {
    EventSearch search = new EventSearch(store.db().dataSource());
    Random random = new Random(7);
    for (int round = 0; round < 40; round++) {
      Instant from = START.plus(random.nextInt(30 * 24), ChronoUnit.HOURS);
      Instant to = from.plus(Duration.ofHours(1 + random.nextInt(24 * 5)));
      List<String> devices = random.nextInt(4) == 0 ? List.of()
          : random.ints(1 + random.nextInt(8), 0, DEVICES.size()).mapToObj(DEVICES::get).distinct().toList();
      Optional<String> type = random.nextBoolean() ? Optional.empty()
          : Optional.of(EventSearch.types().get(random.nextInt(EventSearch.types().size())));
      Optional<String> household = random.nextInt(3) == 0 ? Optional.of("h-" + random.nextInt(8)) : Optional.empty();
      EventQuery query = new EventQuery(Optional.of(from), Optional.of(to), devices, type, household,
          1 + random.nextInt(300), Optional.empty());

      List<DeviceEventRow> paged = new ArrayList<>();
      readAll(search, query, paged);

      List<DeviceEventRow> expected = store.rows().stream()
          .filter(r -> !r.at().isBefore(from) && r.at().isBefore(to))
          .filter(r -> devices.isEmpty() || devices.contains(r.deviceId()))
          .filter(r -> type.map(r.type()::equals).orElse(true))
          .filter(r -> household.map(h -> h.equals(r.household())).orElse(true))
          .sorted(Comparator.comparing(DeviceEventRow::at).thenComparingLong(DeviceEventRow::id))
          .toList();
      assertThat(paged).as("round %d: %s", round, query).isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void pagingNeitherRepeatsNorSkipsWhileNewEventsArrive(Store store) throws Exception {
    EventSearch search = new EventSearch(store.db().dataSource());
    Instant from = START.plus(Duration.ofDays(3));
    Instant to = from.plus(Duration.ofDays(2));
    EventQuery query = new EventQuery(Optional.of(from), Optional.of(to), List.of(), Optional.empty(), Optional.empty(), 250, Optional.empty());
    List<DeviceEventRow> before = store.rows().stream().filter(r -> !r.at().isBefore(from) && r.at().isBefore(to)).toList();

    List<DeviceEventRow> seen = new ArrayList<>();
    EventPage page = search.search(query);
    int inserted = 0;
    while (true) {
      seen.addAll(page.items());
      // New events keep arriving, some inside the range, while the client pages.
      insert(store.db(), "late-device", from.plus(Duration.ofHours(inserted % 48)));
      inserted++;
      if (page.nextCursor().isEmpty()) break;
      page = search.search(query.after(EventQuery.Position.decode(page.nextCursor().get())));
    }

    assertThat(seen).doesNotHaveDuplicates();
    assertThat(seen).containsAll(before);
    assertThat(seen).isSortedAccordingTo(Comparator.comparing(DeviceEventRow::at).thenComparingLong(DeviceEventRow::id));
    assertThat(seen.stream().filter(r -> !r.deviceId().equals("late-device"))).containsExactlyElementsOf(before.stream()
        .sorted(Comparator.comparing(DeviceEventRow::at).thenComparingLong(DeviceEventRow::id)).toList());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void aSearchByReceiptTimeFindsALateEventWhereAnEventTimeSearchFindsItInThePast(Store store) throws Exception {
    Instant happened = Instant.parse("2020-01-01T00:00:00Z");
    Instant received = Instant.parse("2031-01-01T00:00:00Z");
    try (Connection c = store.db().dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("INSERT INTO device_event (device_id, household, event_type, occurred_at,"
            + " received_at, detail) VALUES ('outbox-device', 'h-outbox', 'motion_started', ?, ?, '{}')")) {
      ps.setTimestamp(1, Timestamp.from(happened));
      ps.setTimestamp(2, Timestamp.from(received));
      ps.executeUpdate();
    }
    EventSearch search = new EventSearch(store.db().dataSource());
    List<String> device = List.of("outbox-device");

    EventPage byEventTime = search.search(new EventQuery(Optional.of(happened), Optional.of(happened.plusSeconds(1)), device,
        Optional.empty(), Optional.empty(), 10, Optional.empty(), EventQuery.TimeField.OCCURRED));
    EventPage byReceipt = search.search(new EventQuery(Optional.of(received), Optional.of(received.plusSeconds(1)), device,
        Optional.empty(), Optional.empty(), 10, Optional.empty(), EventQuery.TimeField.RECEIVED));
    EventPage receivedThen = search.search(new EventQuery(Optional.of(happened), Optional.of(happened.plusSeconds(1)), device,
        Optional.empty(), Optional.empty(), 10, Optional.empty(), EventQuery.TimeField.RECEIVED));

    assertThat(byEventTime.items()).singleElement().satisfies(row -> {
      assertThat(row.at()).isEqualTo(happened);
      assertThat(row.receivedAt()).isEqualTo(received);
    });
    assertThat(byReceipt.items()).hasSize(1);
    assertThat(receivedThen.items()).isEmpty();
  }

  private static void insert(Database db, String device, Instant at) throws Exception {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(
            "INSERT INTO device_event (device_id, household, event_type, occurred_at, detail) VALUES (?, 'h-late', 'came_online', ?, '{}')")) {
      ps.setString(1, device);
      ps.setTimestamp(2, Timestamp.from(at));
      ps.executeUpdate();
    }
  }

  private static void readAll(EventSearch search, EventQuery query, List<DeviceEventRow> into) throws Exception {
    EventPage page = search.search(query);
    into.addAll(page.items());
    while (page.nextCursor().isPresent()) {
      page = search.search(query.after(EventQuery.Position.decode(page.nextCursor().get())));
      into.addAll(page.items());
    }
  }
}
