package io.fleet.tls;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The certificate chain and private key Fleet's servers present over TLS ({@code fleet.tls}): read from the
 * configured PEM files, or a self-signed pair made once and kept in {@code <data-dir>/tls/} (so it survives
 * restarts, and clients that trust it keep trusting it). Immutable; holds the key in memory only.
 */
public final class TlsIdentity {
  private static final char[] IN_MEMORY = "fleet".toCharArray();

  private final List<X509Certificate> chain;
  private final PrivateKey key;
  private final Path certificateFile;

  private TlsIdentity(List<X509Certificate> chain, PrivateKey key, Path certificateFile) {
    this.chain = List.copyOf(chain);
    this.key = key;
    this.certificateFile = certificateFile;
  }

  /**
   * The identity {@code fleet.tls} configures, or empty for no TLS. {@code selfSignedDirectory}: where a
   * self-signed pair is kept; {@code hosts}: the names and addresses it is made for.
   */
  public static Optional<TlsIdentity> fromConfig(Config fleet, Supplier<Path> selfSignedDirectory, List<String> hosts) {
    Config tls = fleet.getConfig("tls");
    String certificate = tls.getString("certificate");
    String privateKey = tls.getString("private-key");
    if (certificate.isBlank() != privateKey.isBlank()) {
      throw new IllegalArgumentException("fleet.tls: set both certificate and private-key (FLEET_TLS_CERT, FLEET_TLS_KEY), or neither");
    }
    if (!certificate.isBlank()) return Optional.of(read(Path.of(certificate), Path.of(privateKey)));
    if (!tls.getBoolean("self-signed")) return Optional.empty();
    Path dir = selfSignedDirectory.get();
    Path cert = dir.resolve("self-signed-cert.pem");
    Path key = dir.resolve("self-signed-key.pem");
    if (!Files.exists(cert) || !Files.exists(key)) SelfSignedCertificate.create(hosts, cert, key);
    return Optional.of(read(cert, key));
  }

  /** The pair in these PEM files. */
  public static TlsIdentity read(Path certificate, Path privateKey) {
    return new TlsIdentity(PemFiles.certificates(certificate), PemFiles.privateKey(privateKey), certificate);
  }

  /** The certificate file: what clients of a self-signed pair give as their CA file. */
  public Path certificateFile() {
    return certificateFile;
  }

  public List<X509Certificate> chain() {
    return chain;
  }

  /** A server-side TLS context presenting this identity. */
  public SSLContext serverContext() {
    try {
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(keyStore(IN_MEMORY), IN_MEMORY);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a TLS context from " + certificateFile, e);
    }
  }

  /** Writes this identity as a PKCS#12 key store (for servers that read one, such as HiveMQ). */
  public void writeKeyStore(Path file, char[] password) {
    try (OutputStream out = Files.newOutputStream(file)) {
      keyStore(password).store(out, password);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot write a key store for " + certificateFile, e);
    }
  }

  private KeyStore keyStore(char[] password) throws GeneralSecurityException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    store.setKeyEntry("fleet", key, password, chain.toArray(X509Certificate[]::new));
    return store;
  }
}
