package io.fleet.access;

import io.fleet.credentials.Secrets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Homeowner bearer tokens, minted and revoked by operators, each valid until it is revoked or until its
 * expiry, if it was given one. The table {@code api_token} keeps only a SHA-256 of each token, so a copy of
 * the database gives no one access; the token itself is shown once, when minted. Survives restarts in the
 * database; owns nothing in memory.
 */
public final class ApiTokens {
  private final DataSource dataSource;

  public ApiTokens(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** A token as listed: never the secret itself. {@code state} is {@code active}, {@code expired} or {@code revoked}. */
  public record TokenInfo(String id, String role, String household, String label, Instant createdAt, Instant expiresAt,
      Instant revokedAt, String state) {}

  /** A freshly minted token: the only time its secret is seen. {@code expiresAt} is null for a token that never expires. */
  public record MintedToken(String id, String token, String role, String household, String label, Instant createdAt,
      Instant expiresAt) {}

  /** A homeowner token for {@code household}, valid until revoked or, when given, until {@code expiresAt}. */
  public MintedToken mintHomeowner(String household, String label, Optional<Instant> expiry) throws SQLException {
    // To the millisecond, which every database keeps: the expiry shown is the one that is checked.
    Optional<Instant> expiresAt = expiry.map(at -> at.truncatedTo(ChronoUnit.MILLIS));
    String token = "fh_" + Secrets.random();
    String id = UUID.randomUUID().toString();
    Instant now = Instant.now();
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "INSERT INTO api_token (id, token_hash, role, household, label, created_at, expires_at)"
            + " VALUES (?, ?, 'homeowner', ?, ?, ?, ?)")) {
      ps.setString(1, id);
      ps.setString(2, Secrets.sha256(token));
      ps.setString(3, household);
      ps.setString(4, label);
      ps.setTimestamp(5, Timestamp.from(now));
      ps.setTimestamp(6, expiresAt.map(Timestamp::from).orElse(null));
      ps.executeUpdate();
    }
    return new MintedToken(id, token, "homeowner", household, label, now, expiresAt.orElse(null));
  }

  public List<TokenInfo> list() throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT id, role, household, label, created_at, expires_at, revoked_at FROM api_token ORDER BY created_at, id");
        ResultSet rs = ps.executeQuery()) {
      Instant now = Instant.now();
      List<TokenInfo> out = new ArrayList<>();
      while (rs.next()) {
        Instant expires = instant(rs.getTimestamp(6));
        Instant revoked = instant(rs.getTimestamp(7));
        String state = revoked != null ? "revoked" : expires != null && !now.isBefore(expires) ? "expired" : "active";
        out.add(new TokenInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getTimestamp(5).toInstant(), expires, revoked, state));
      }
      return out;
    }
  }

  /** Revokes a token; false when there is no such (unrevoked) token. Effective for the next request. */
  public boolean revoke(String id) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "UPDATE api_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
      ps.setTimestamp(1, Timestamp.from(Instant.now()));
      ps.setString(2, id);
      return ps.executeUpdate() == 1;
    }
  }

  /** Whether {@code token} is a homeowner's that is valid now, and if not, why not. */
  public TokenCheck check(String token) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT household, label, expires_at, revoked_at FROM api_token WHERE token_hash = ? AND role = 'homeowner'")) {
      ps.setString(1, Secrets.sha256(token));
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) return new TokenCheck.Unknown();
        Instant expires = instant(rs.getTimestamp(3));
        Instant revoked = instant(rs.getTimestamp(4));
        if (revoked != null) return new TokenCheck.Revoked(revoked);
        if (expires != null && !Instant.now().isBefore(expires)) return new TokenCheck.Expired(expires);
        return new TokenCheck.Valid(Principal.homeowner(rs.getString(1), rs.getString(2), Optional.ofNullable(expires)));
      }
    }
  }

  private static Instant instant(Timestamp t) {
    return t == null ? null : t.toInstant();
  }
}
