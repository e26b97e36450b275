package io.fleet.infra;

import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;

/** The databases a test runs on: H2, and PostgreSQL when FLEET_IT_POSTGRES_URL is set; each opened fresh and migrated. */
public final class TestDatabases {
  private TestDatabases() {}

  /** {@code h2}, and {@code postgres} when FLEET_IT_POSTGRES_URL is set: for {@code @MethodSource}. */
  public static Stream<String> databases() {
    String pg = System.getenv("FLEET_IT_POSTGRES_URL");
    return pg == null || pg.isBlank() ? Stream.of("h2") : Stream.of("h2", "postgres");
  }

  /** A fresh H2 file under {@code dir}, or a fresh PostgreSQL schema named with {@code schemaPrefix}, migrated. */
  public static Database open(String which, Path dir, String schemaPrefix) {
    String unique = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    String url = which.equals("h2") ? Database.h2Url(dir.resolve("db-" + unique))
        : Database.freshPostgresSchemaUrl(System.getenv("FLEET_IT_POSTGRES_URL"), schemaPrefix + unique);
    Database db = Database.open(url, "", "", 2);
    db.migrate();
    return db;
  }
}
