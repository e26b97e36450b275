package io.fleet.readside;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** A query's WHERE clause built condition by condition, with its parameters in order. */
final class SqlFilter {
  private final StringBuilder sql;
  private final List<Object> params = new ArrayList<>();

  SqlFilter(String select) {
    this.sql = new StringBuilder(select).append(" WHERE 1 = 1");
  }

  /** Adds {@code AND <condition>}, whose placeholders take {@code values} in order. */
  SqlFilter and(String condition, Object... values) {
    sql.append(" AND ").append(condition);
    params.addAll(List.of(values));
    return this;
  }

  SqlFilter append(String tail) {
    sql.append(tail);
    return this;
  }

  String sql() {
    return sql.toString();
  }

  void bind(PreparedStatement ps) throws SQLException {
    for (int i = 0; i < params.size(); i++) ps.setObject(i + 1, params.get(i));
  }
}
