package io.fleet.infra;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL database that holds the event journal, snapshots, durable state, projection offsets and the read
 * side: an H2 file under {@code <data-dir>/db} by default, or PostgreSQL.
 *
 * <p>State: owns a HikariCP connection pool (closed by {@link #close()}); the data itself lives in the
 * database, whose schema Flyway versions ({@code flyway_schema_history}): {@link #migrate()} applies only
 * what is missing, so running it at every start is safe and cheap.
 *
 * <p>The H2 URL adds two settings to the required {@code DATABASE_TO_UPPER=false;AUTO_SERVER=FALSE}:
 * {@code WRITE_DELAY=0}, because by default H2 keeps commits of the last ~0.5 s in memory and a JVM crash
 * loses them (CrashRestartIT shows it: a journal event acknowledged to the entity would vanish); and
 * {@code DB_CLOSE_ON_EXIT=FALSE}, so H2's own shutdown hook does not close the database while the
 * application is still writing during its ordered shutdown.
 */
public final class Database implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Database.class);
  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  /**
   * How long a caller waits for a connection. Hikari's default, 30 s, is longer than an HTTP request may take:
   * while the database is away every request, projection and health check would hold its thread that long
   * (the blocking dispatcher filled up and readiness answered nothing, {@code DatabaseOutageIT}); failing
   * sooner turns the outage into a 503 or a projection restart with backoff.
   */
  static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(3);

  private final String url;
  private final String user;
  private final String password;
  private final HikariDataSource dataSource;

  private Database(String url, String user, String password, HikariDataSource dataSource) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.dataSource = dataSource;
  }

  /** Opens a pool of at most {@code maxConnections} to {@code endpoints.dbUrl()}. */
  public static Database open(Endpoints endpoints, int maxConnections) {
    return open(endpoints.dbUrl(), endpoints.dbUser(), endpoints.dbPassword(), maxConnections);
  }

  /**
   * Opens a pool of at most {@code maxConnections} to {@code url} (H2 or PostgreSQL); empty user and
   * password are left out (the URL may carry them).
   */
  public static Database open(String givenUrl, String user, String password, int maxConnections) {
    String url = isPostgres(givenUrl) ? withCustomPlans(givenUrl) : givenUrl;
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("fleet-db");
    hikari.setJdbcUrl(url);
    hikari.setDriverClassName(driver(url));
    if (!user.isEmpty()) {
      hikari.setUsername(user);
    }
    if (!password.isEmpty()) {
      hikari.setPassword(password);
    }
    hikari.setMaximumPoolSize(Math.max(1, maxConnections));
    hikari.setMinimumIdle(1);
    hikari.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
    return new Database(url, user, password, new HikariDataSource(hikari));
  }

  /**
   * A PostgreSQL URL whose sessions plan every statement with its parameters ({@code plan_cache_mode =
   * force_custom_plan}), for both pools (read side and journal). The driver prepares repeated statements on
   * the server, and PostgreSQL then caches a generic plan chosen from the statistics of the moment: at start,
   * with empty tables, the journal's events-by-tag query got a plan that read the tag table's index whole at
   * every poll, for as long as the connection lived (395 M index tuples in a 2-minute benchmark; alerts 5 s
   * late at 100 events/s, 0.25 s with custom plans). A URL that sets {@code options} itself is left alone.
   */
  static String withCustomPlans(String url) {
    if (url.contains("options=")) return url;
    return url + (url.contains("?") ? "&" : "?") + "options=-c%20plan_cache_mode%3Dforce_custom_plan";
  }

  /** The JDBC URL of the embedded H2 database in {@code dbDirectory} (file {@code fleet.mv.db}). */
  public static String h2Url(Path dbDirectory) {
    String path = dbDirectory.toAbsolutePath().resolve("fleet").toString().replace('\\', '/');
    return "jdbc:h2:file:" + path + ";DATABASE_TO_UPPER=false;AUTO_SERVER=FALSE;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public boolean isPostgres() {
    return isPostgres(url);
  }

  public String url() {
    return url;
  }

  /** Applies the pending migrations of this vendor; returns how many ran (0 when up to date). */
  public int migrate() {
    Flyway flyway = flyway();
    MigrateResult result = flyway.migrate();
    var current = flyway.info().current();
    log.info("Database {} at schema version {} ({} migration(s) applied now)", isPostgres() ? "PostgreSQL" : "H2",
        current == null ? "none" : current.getVersion(), result.migrationsExecuted);
    return result.migrationsExecuted;
  }

  /** How many of this vendor's migrations have not been applied yet. */
  public int pendingMigrations() {
    return flyway().info().pending().length;
  }

  /**
   * A migration is written once: the SQL both vendors run alike lies in {@code db/migration/common}, only
   * what differs in {@code db/migration/h2} or {@code db/migration/postgres}, each version in one of them.
   * Flyway takes a migration's version from its file name and its checksum from its content, not from its
   * folder, so a migration keeps both when it moves between these folders.
   */
  private Flyway flyway() {
    return Flyway.configure(Database.class.getClassLoader())
        .dataSource(dataSource)
        .locations("classpath:db/migration/common", "classpath:db/migration/" + (isPostgres() ? "postgres" : "h2"))
        .failOnMissingLocations(true)
        .load();
  }

  /**
   * The configuration pekko-persistence-jdbc (shared Slick database) and pekko-projection-jdbc need to
   * reach this database; lay it over the application configuration.
   */
  public Config slickConfig() {
    String slick = "pekko-persistence-jdbc.shared-databases.slick.";
    Map<String, Object> map = new HashMap<>();
    map.put(slick + "profile", isPostgres() ? "slick.jdbc.PostgresProfile$" : "slick.jdbc.H2Profile$");
    map.put(slick + "db.url", url);
    map.put(slick + "db.user", user);
    map.put(slick + "db.password", password);
    map.put(slick + "db.driver", driver(url));
    map.put("pekko.projection.jdbc.dialect", isPostgres() ? "postgres-dialect" : "h2-dialect");
    // Events by tag with a plan that reads what it returns, not the whole range or tag table (see the class).
    map.put("jdbc-read-journal.dao", EventsByTagDao.class.getName());
    return ConfigFactory.parseMap(map, "io.fleet.infra.Database");
  }

  /**
   * For tests on PostgreSQL: creates {@code schema} (if missing) through {@code baseUrl} and returns
   * {@code baseUrl} with {@code currentSchema=<schema>}, so every unqualified table lands there.
   */
  public static String freshPostgresSchemaUrl(String baseUrl, String schema) {
    if (!SCHEMA_NAME.matcher(schema).matches()) {
      throw new IllegalArgumentException("schema name must match " + SCHEMA_NAME + ": " + schema);
    }
    try (Connection connection = DriverManager.getConnection(baseUrl);
        Statement statement = connection.createStatement()) {
      statement.execute("create schema if not exists " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create schema " + schema + " via " + baseUrl, e);
    }
    String withoutSchema = baseUrl.replaceAll("([?&])currentSchema=[^&]*&?", "$1").replaceAll("[?&]$", "");
    return withoutSchema + (withoutSchema.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }

  /** Closes the pool. Idempotent. */
  @Override
  public void close() {
    dataSource.close();
  }

  static boolean isPostgres(String jdbcUrl) {
    return jdbcUrl.startsWith("jdbc:postgresql:");
  }

  private static String driver(String jdbcUrl) {
    return isPostgres(jdbcUrl) ? "org.postgresql.Driver" : "org.h2.Driver";
  }
}
