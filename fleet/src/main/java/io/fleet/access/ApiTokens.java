package io.fleet.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Homeowner bearer tokens, minted and revoked by operators. The table {@code api_token} keeps only a
 * SHA-256 of each token, so a copy of the database gives no one access; the token itself is shown once,
 * when minted. Survives restarts in the database; owns nothing in memory.
 */
public final class ApiTokens {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final DataSource dataSource;

  public ApiTokens(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** A token as listed: never the secret itself. */
  public record TokenInfo(String id, String role, String household, String label, Instant createdAt, Instant revokedAt) {}

  /** A freshly minted token: the only time its secret is seen. */
  public record MintedToken(String id, String token, String role, String household, String label, Instant createdAt) {}

  public MintedToken mintHomeowner(String household, String label) throws SQLException {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String token = "fh_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    String id = UUID.randomUUID().toString();
    Instant now = Instant.now();
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "INSERT INTO api_token (id, token_hash, role, household, label, created_at) VALUES (?, ?, 'homeowner', ?, ?, ?)")) {
      ps.setString(1, id);
      ps.setString(2, hash(token));
      ps.setString(3, household);
      ps.setString(4, label);
      ps.setTimestamp(5, Timestamp.from(now));
      ps.executeUpdate();
    }
    return new MintedToken(id, token, "homeowner", household, label, now);
  }

  public List<TokenInfo> list() throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT id, role, household, label, created_at, revoked_at FROM api_token ORDER BY created_at, id");
        ResultSet rs = ps.executeQuery()) {
      List<TokenInfo> out = new ArrayList<>();
      while (rs.next()) {
        Timestamp revoked = rs.getTimestamp(6);
        out.add(new TokenInfo(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
            rs.getTimestamp(5).toInstant(), revoked == null ? null : revoked.toInstant()));
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

  /** The homeowner a valid, unrevoked token stands for. */
  public Optional<Principal> principalFor(String token) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT household, label FROM api_token WHERE token_hash = ? AND revoked_at IS NULL AND role = 'homeowner'")) {
      ps.setString(1, hash(token));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(Principal.homeowner(rs.getString(1), rs.getString(2))) : Optional.empty();
      }
    }
  }

  public static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
