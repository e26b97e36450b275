package io.fleet.readside;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fleet.tracking.Race;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Races as defined through the API, in the {@code race} table (route and participants as JSON). The
 * definitions are the only state of a race: standings are computed from the trackers' fixes. Blocking JDBC.
 */
public final class RaceStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final DataSource dataSource;

  public RaceStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public void create(Race race) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "INSERT INTO race (race_id, name, starts_at, finish_lat, finish_lon, route, finish_radius_m, participants, created_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, race.raceId());
      ps.setString(2, race.name());
      ps.setTimestamp(3, Timestamp.from(race.startsAt()));
      if (race.finish() == null) {
        ps.setNull(4, Types.DOUBLE);
        ps.setNull(5, Types.DOUBLE);
      } else {
        ps.setDouble(4, race.finish()[0]);
        ps.setDouble(5, race.finish()[1]);
      }
      ps.setString(6, race.route().isEmpty() ? null : json(race.route()));
      ps.setDouble(7, race.finishRadiusM());
      ps.setString(8, json(race.participants()));
      ps.setTimestamp(9, Timestamp.from(race.createdAt()));
      ps.executeUpdate();
    }
  }

  public Optional<Race> find(String raceId) throws SQLException {
    List<Race> found = query(" WHERE race_id = ?", raceId);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  /** Every race, the latest start first. */
  public List<Race> list() throws SQLException {
    return query(" ORDER BY starts_at DESC, race_id LIMIT 1000");
  }

  /** A device's name and household as the fleet list has them. */
  public record Participant(String deviceId, String name, String household) {}

  /** The participants' names and households (a device not registered yet is missing). */
  public Map<String, Participant> participants(List<String> deviceIds) throws SQLException {
    Map<String, Participant> out = new HashMap<>();
    if (deviceIds.isEmpty()) return out;
    String marks = String.join(", ", Collections.nCopies(deviceIds.size(), "?"));
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT device_id, name, household FROM device_summary WHERE device_id IN (" + marks + ")")) {
      for (int i = 0; i < deviceIds.size(); i++) ps.setString(i + 1, deviceIds.get(i));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) out.put(rs.getString(1), new Participant(rs.getString(1), rs.getString(2), rs.getString(3)));
      }
    }
    return out;
  }

  private List<Race> query(String where, String... params) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT race_id, name, starts_at, finish_lat, finish_lon, route, finish_radius_m, participants, created_at FROM race" + where)) {
      for (int i = 0; i < params.length; i++) ps.setString(i + 1, params[i]);
      List<Race> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          double lat = rs.getDouble(4);
          double[] finish = rs.wasNull() ? null : new double[] {lat, rs.getDouble(5)};
          String route = rs.getString(6);
          out.add(new Race(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(), finish,
              route == null ? List.of() : JSON.readValue(route, new TypeReference<List<double[]>>() {}),
              rs.getDouble(7), JSON.readValue(rs.getString(8), new TypeReference<List<String>>() {}),
              rs.getTimestamp(9).toInstant()));
        }
      } catch (JsonProcessingException e) {
        throw new SQLException("race row holds JSON this store did not write: " + e.getOriginalMessage(), e);
      }
      return out;
    }
  }

  private static String json(Object value) throws SQLException {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new SQLException("cannot write " + value, e);
    }
  }
}
