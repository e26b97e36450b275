package io.fleet.api;

import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/** Runs a blocking read-side query off the HTTP threads; a database failure fails the stage. */
final class BlockingQueries {
  private BlockingQueries() {}

  interface Query<T> {
    T run() throws SQLException;
  }

  static <T> CompletionStage<T> query(Executor blocking, Query<T> query) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return query.run();
      } catch (SQLException e) {
        throw new IllegalStateException("read side unavailable: " + e.getMessage(), e);
      }
    }, blocking);
  }
}
