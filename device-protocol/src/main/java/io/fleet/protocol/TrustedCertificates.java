package io.fleet.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The certificates a device trusts for TLS, from a CA file (PEM, one or more certificates: a CA's, or a server's
 * self-signed one), for MQTT over TLS and HTTPS. Stateless.
 */
public final class TrustedCertificates {
  private TrustedCertificates() {}

  /** Trust managers that trust exactly the certificates in {@code caFile}. */
  public static TrustManagerFactory trustManagers(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      Collection<? extends Certificate> certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certificates.isEmpty()) throw new IllegalArgumentException("no certificate in " + caFile);
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate certificate : certificates) store.setCertificateEntry("ca-" + i++, certificate);
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return factory;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CA file " + caFile, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not a PEM certificate file: " + caFile, e);
    }
  }

  /** A client TLS context trusting exactly the certificates in {@code caFile}. */
  public static SSLContext clientContext(Path caFile) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trustManagers(caFile).getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no TLS in this Java runtime", e);
    }
  }
}
