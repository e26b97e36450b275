package io.fleet.infra;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.jdbc.PekkoSerialization$;
import org.apache.pekko.persistence.jdbc.config.ReadJournalConfig;
import org.apache.pekko.persistence.jdbc.journal.dao.JournalTables;
import org.apache.pekko.persistence.jdbc.query.dao.DefaultReadJournalDao;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.scaladsl.Source;
import scala.Option;
import scala.Tuple2;
import scala.Tuple3;
import scala.collection.immutable.Set;
import scala.concurrent.ExecutionContext;
import scala.util.Failure;
import scala.util.Success;
import scala.util.Try;
import slick.jdbc.JdbcBackend;
import slick.jdbc.JdbcProfile;

/**
 * pekko-persistence-jdbc's read journal with one query replaced: events by tag, which every projection polls
 * (device summary, alert publisher, event log…, each tag every 100 ms, and back to back while it catches up). The
 * library's query joins the journal with {@code event_tag} and filters the offset range on the journal's side.
 * <ul>
 *   <li>H2 planned it as a scan of the whole {@code event_tag} table, so each poll cost grew with the journal's
 *       length (53,000 rows read per poll after a 15 s benchmark). Here ({@link #H2_EVENTS_BY_TAG}) the range drives
 *       the query ({@code ordering} index) and the tag is an {@code EXISTS} lookup on {@code event_tag}'s primary
 *       key.
 *   <li>PostgreSQL, without statistics on a young journal (or with autovacuum off), read the whole offset range
 *       through a bitmap scan and sorted it — every event of every tag up to the journal's end, for 500 rows of one
 *       tag: a projection behind by 36,000 events paid 58 ms a poll, and polls during a burst of registrations took
 *       hundreds of ms. Here ({@link #EVENTS_BY_TAG}) the tag's own index ({@code event_tag (tag, event_id)},
 *       migration V12) drives it: the tag's events in the range in order, each joined to its journal row by
 *       {@code ordering}; the range is repeated on the journal's side, so that a plan merging the two indexes
 *       (PostgreSQL's choice once it has statistics) starts at the offset, not at the journal's first event.
 * </ul>
 * A poll reads about as many rows as it returns (at most its range's), never a table (EventsByTagDaoIT checks the
 * plans on both databases, with and without statistics).
 *
 * <p>Stateless apart from what the library's DAO holds; configured as {@code jdbc-read-journal.dao}. Rows are
 * deserialized exactly as the library does.
 */
public final class EventsByTagDao extends DefaultReadJournalDao {
  /** PostgreSQL's: parameters tag, after, up to, after, up to, max ({@link #bind}). */
  static final String EVENTS_BY_TAG = """
      SELECT j."ordering", j."deleted", j."persistence_id", j."sequence_number", j."writer", j."write_timestamp",
             j."adapter_manifest", j."event_payload", j."event_ser_id", j."event_ser_manifest",
             j."meta_payload", j."meta_ser_id", j."meta_ser_manifest"
        FROM "event_tag" t JOIN "event_journal" j ON j."ordering" = t."event_id"
       WHERE t."tag" = ? AND t."event_id" > ? AND t."event_id" <= ?
         AND j."ordering" > ? AND j."ordering" <= ? AND j."deleted" = FALSE
       ORDER BY t."event_id"
       LIMIT ?""";

  /** H2's: parameters after, up to, tag, max ({@link #bind}). */
  static final String H2_EVENTS_BY_TAG = """
      SELECT j."ordering", j."deleted", j."persistence_id", j."sequence_number", j."writer", j."write_timestamp",
             j."adapter_manifest", j."event_payload", j."event_ser_id", j."event_ser_manifest",
             j."meta_payload", j."meta_ser_id", j."meta_ser_manifest"
        FROM "event_journal" j
       WHERE j."deleted" = FALSE AND j."ordering" > ? AND j."ordering" <= ?
         AND EXISTS (SELECT 1 FROM "event_tag" t WHERE t."event_id" = j."ordering" AND t."tag" = ?)
       ORDER BY j."ordering"
       LIMIT ?""";

  private final boolean h2;
  private final Serialization serialization;
  private final Executor blocking;

  /** The constructor pekko-persistence-jdbc calls for a configured {@code dao}. */
  public EventsByTagDao(JdbcBackend.JdbcDatabaseDef db, JdbcProfile profile, ReadJournalConfig readJournalConfig,
      Serialization serialization, ExecutionContext ec, Materializer mat) {
    super(db, profile, readJournalConfig, serialization, ec, mat);
    this.h2 = profile instanceof slick.jdbc.H2Profile;
    this.serialization = serialization;
    this.blocking = mat.system().dispatchers().lookup("pekko.actor.default-blocking-io-dispatcher");
  }

  @Override
  public Source<Try<Tuple3<PersistentRepr, Set<String>, Object>>, NotUsed> eventsByTag(
      String tag, long offset, long maxOffset, long max) {
    CompletableFuture<List<Try<Tuple3<PersistentRepr, Set<String>, Object>>>> events =
        CompletableFuture.supplyAsync(() -> query(tag, offset, maxOffset, correctMaxForH2Driver(max)), blocking);
    return org.apache.pekko.stream.javadsl.Source.completionStage(events)
        .<Try<Tuple3<PersistentRepr, Set<String>, Object>>>mapConcat(list -> list)
        .asScala();
  }

  private List<Try<Tuple3<PersistentRepr, Set<String>, Object>>> query(String tag, long offset, long maxOffset, long max) {
    List<Try<Tuple3<PersistentRepr, Set<String>, Object>>> events = new ArrayList<>();
    try (Connection connection = db().source().createConnection();
        PreparedStatement statement = connection.prepareStatement(h2 ? H2_EVENTS_BY_TAG : EVENTS_BY_TAG)) {
      bind(statement, h2, tag, offset, maxOffset, max);
      try (ResultSet rs = statement.executeQuery()) {
        while (rs.next()) {
          events.add(event(row(rs)));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("events by tag " + tag + " after " + offset + " failed", e);
    }
    return events;
  }

  /** Binds the query for H2 or PostgreSQL: {@code tag}'s events after {@code offset} up to {@code maxOffset}, at most {@code max}. */
  static void bind(PreparedStatement statement, boolean h2, String tag, long offset, long maxOffset, long max)
      throws SQLException {
    if (h2) {
      statement.setLong(1, offset);
      statement.setLong(2, maxOffset);
      statement.setString(3, tag);
      statement.setLong(4, max);
    } else {
      statement.setString(1, tag);
      statement.setLong(2, offset);
      statement.setLong(3, maxOffset);
      statement.setLong(4, offset);
      statement.setLong(5, maxOffset);
      statement.setLong(6, max);
    }
  }

  private static JournalTables.JournalPekkoSerializationRow row(ResultSet rs) throws SQLException {
    int metaSerId = rs.getInt("meta_ser_id");
    Option<Object> metaSerIdOption = rs.wasNull() ? Option.empty() : Option.apply(metaSerId);
    return new JournalTables.JournalPekkoSerializationRow(
        rs.getLong("ordering"), rs.getBoolean("deleted"), rs.getString("persistence_id"),
        rs.getLong("sequence_number"), rs.getString("writer"), rs.getLong("write_timestamp"),
        rs.getString("adapter_manifest"), rs.getBytes("event_payload"), rs.getInt("event_ser_id"),
        rs.getString("event_ser_manifest"), Option.apply(rs.getBytes("meta_payload")), metaSerIdOption,
        Option.apply(rs.getString("meta_ser_manifest")));
  }

  @SuppressWarnings("unchecked")
  private Try<Tuple3<PersistentRepr, Set<String>, Object>> event(JournalTables.JournalPekkoSerializationRow row) {
    Try<Tuple2<PersistentRepr, Object>> read = PekkoSerialization$.MODULE$.fromRow(serialization, row);
    if (read.isFailure()) {
      return new Failure<>(((Failure<?>) read).exception());
    }
    Tuple2<PersistentRepr, Object> repr = read.get();
    Set<String> noTags = (Set<String>) (Object) scala.collection.immutable.Set$.MODULE$.empty();
    return new Success<>(new Tuple3<>(repr._1(), noTags, repr._2()));
  }
}
