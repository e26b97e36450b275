package io.fleet.credentials;

import io.fleet.credentials.PasswordCheck.Accepted;
import io.fleet.credentials.PasswordCheck.Refused;
import io.fleet.credentials.PasswordCheck.Unavailable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;

/**
 * Every device's MQTT password: issued at registration, rotated by an operator, revoked when the device is
 * decommissioned, and checked when a device connects (by the embedded broker) or uploads a clip.
 *
 * <p>State: the table {@code device_credential}, one row per device that was ever issued a password or
 * revoked, holding a SHA-256 of its current password and the password's version. The password itself is
 * seen once, when issued ({@link Secrets}: 256 random bits, kept as a SHA-256, as API tokens are). Survives
 * restarts in the database; in memory only the data source, attached once the database is migrated (until then every check is
 * {@link Unavailable}, which the broker answers "server unavailable", so a device retries).
 *
 * <p>Two modes ({@code fleet.device-passwords.mode}):
 * <ul>
 *   <li>{@link Mode#ISSUED} (the default): a device gets in only with the password issued to it; an
 *       unregistered device has none and is refused.
 *   <li>{@link Mode#DERIVED}, a bootstrap mode for simulators: a device that was never issued a password
 *       may also use {@link DerivedPasswords} ({@code HMAC(fleet secret, id)}), so thousands of simulated
 *       devices connect without being registered first. A device that was issued a password (by a
 *       rotation, or by registering again after a decommission) or was decommissioned is checked as in
 *       the issued mode: its derived password no longer works.
 * </ul>
 */
public final class DeviceCredentials {
  /** How devices that were never issued a password of their own are treated. */
  public enum Mode {
    ISSUED, DERIVED;

    public static Mode parse(String value) {
      return switch (value.trim().toLowerCase()) {
        case "issued" -> ISSUED;
        case "derived" -> DERIVED;
        default -> throw new IllegalArgumentException(
            "fleet.device-passwords.mode must be 'issued' or 'derived', not '" + value + "'");
      };
    }
  }

  /** A password as issued: the only time it is seen. */
  public record IssuedPassword(String deviceId, String password, int version) {}

  private final Mode mode;
  private final DerivedPasswords derived;
  private final AtomicReference<DataSource> store = new AtomicReference<>();
  private final boolean withoutStore;

  public DeviceCredentials(Mode mode, DerivedPasswords derived) {
    this(mode, derived, false);
  }

  private DeviceCredentials(Mode mode, DerivedPasswords derived, boolean withoutStore) {
    this.mode = mode;
    this.derived = derived;
    this.withoutStore = withoutStore;
  }

  /**
   * Only derived passwords, no database: for a broker started on its own (a test's or a benchmark's), where
   * nothing is registered, rotated or revoked. Issuing, rotating and revoking fail.
   */
  public static DeviceCredentials derivedOnly(DerivedPasswords derived) {
    return new DeviceCredentials(Mode.DERIVED, derived, true);
  }

  /** Checks against {@code dataSource} from now on (it holds {@code device_credential}). */
  public void attach(DataSource dataSource) {
    store.set(dataSource);
  }

  /**
   * The password a device that was just registered by an operator connects with, if the operator is to be
   * given one: a new one for a device that never had one (issued mode) or had its password revoked; the
   * derived one for a device without a row in the derived mode; nothing for a device whose password is
   * current (registering again changes details, not the password: rotate it for a new one).
   */
  public Optional<String> onRegistered(String deviceId) throws SQLException {
    Optional<Row> row = row(deviceId);
    if (row.isEmpty()) {
      return Optional.of(mode == Mode.DERIVED ? derived.passwordFor(deviceId) : issue(deviceId, 0).password());
    }
    if (row.get().revoked()) return Optional.of(issue(deviceId, row.get().version()).password());
    return Optional.empty();
  }

  /** A new password for the device; the one before stops working. */
  public IssuedPassword rotate(String deviceId) throws SQLException {
    return issue(deviceId, row(deviceId).map(Row::version).orElse(0));
  }

  /** The device's password stops working, and (in the derived mode) so does its derived one. */
  public void revoke(String deviceId) throws SQLException {
    try (Connection c = dataSource().getConnection();
        PreparedStatement update = c.prepareStatement(
            "UPDATE device_credential SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL")) {
      update.setTimestamp(1, Timestamp.from(Instant.now()));
      update.setString(2, deviceId);
      if (update.executeUpdate() > 0 || row(c, deviceId).isPresent()) return;
      // Never issued one: a revoked row with an unguessable hash, so its derived password is refused too.
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO device_credential "
          + "(device_id, version, password_hash, issued_at, revoked_at) VALUES (?, 0, ?, ?, ?)")) {
        Timestamp now = Timestamp.from(Instant.now());
        insert.setString(1, deviceId);
        insert.setString(2, Secrets.sha256(Secrets.random()));
        insert.setTimestamp(3, now);
        insert.setTimestamp(4, now);
        insert.executeUpdate();
      } catch (SQLException raced) {
        // Another node revoked or issued at the same moment: revoke what is there now.
        update.executeUpdate();
      }
    }
  }

  /** Whether {@code password} lets {@code deviceId} in now; compares in constant time. */
  public PasswordCheck check(String deviceId, String password) {
    if (deviceId == null || password == null || password.isEmpty()) return new Refused("no password");
    if (withoutStore) return derived.verify(deviceId, password) ? new Accepted(0) : new Refused("wrong password");
    Optional<Row> row;
    try {
      row = row(deviceId);
    } catch (SQLException | IllegalStateException e) {
      return new Unavailable(e.getMessage());
    }
    if (row.isEmpty()) {
      if (mode == Mode.DERIVED && derived.verify(deviceId, password)) return new Accepted(0);
      return new Refused(mode == Mode.DERIVED ? "wrong password" : "no password issued (not registered)");
    }
    if (row.get().revoked()) return new Refused("password revoked (decommissioned)");
    boolean same = MessageDigest.isEqual(row.get().hash().getBytes(StandardCharsets.US_ASCII),
        Secrets.sha256(password).getBytes(StandardCharsets.US_ASCII));
    return same ? new Accepted(row.get().version()) : new Refused("wrong password");
  }

  private IssuedPassword issue(String deviceId, int versionBefore) throws SQLException {
    String password = Secrets.random();
    String hash = Secrets.sha256(password);
    int version = versionBefore + 1;
    try (Connection c = dataSource().getConnection()) {
      int updated;
      try (PreparedStatement update = c.prepareStatement("UPDATE device_credential SET version = ?, password_hash = ?, "
          + "issued_at = ?, revoked_at = NULL WHERE device_id = ? AND version = ?")) {
        update.setInt(1, version);
        update.setString(2, hash);
        update.setTimestamp(3, Timestamp.from(Instant.now()));
        update.setString(4, deviceId);
        update.setInt(5, versionBefore);
        updated = update.executeUpdate();
      }
      if (updated == 0) {
        // No row yet (or another node issued in between: then the insert fails and so does this call).
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO device_credential "
            + "(device_id, version, password_hash, issued_at, revoked_at) VALUES (?, ?, ?, ?, NULL)")) {
          insert.setString(1, deviceId);
          insert.setInt(2, version);
          insert.setString(3, hash);
          insert.setTimestamp(4, Timestamp.from(Instant.now()));
          insert.executeUpdate();
        }
      }
    }
    return new IssuedPassword(deviceId, password, version);
  }

  private record Row(int version, String hash, boolean revoked) {}

  private Optional<Row> row(String deviceId) throws SQLException {
    try (Connection c = dataSource().getConnection()) {
      return row(c, deviceId);
    }
  }

  private static Optional<Row> row(Connection c, String deviceId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT version, password_hash, revoked_at FROM device_credential WHERE device_id = ?")) {
      ps.setString(1, deviceId);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) return Optional.empty();
        return Optional.of(new Row(rs.getInt(1), rs.getString(2), rs.getTimestamp(3) != null));
      }
    }
  }

  private DataSource dataSource() {
    DataSource dataSource = store.get();
    if (dataSource == null) throw new IllegalStateException("the database is not ready yet");
    return dataSource;
  }

  @Override
  public String toString() {
    return "DeviceCredentials[" + mode + "]";
  }
}
