package io.fleet.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Reads certificates and private keys from PEM files (Bouncy Castle's parser: PKCS#8, PKCS#1 RSA, SEC1 EC). Stateless. */
final class PemFiles {
  private PemFiles() {}

  static List<X509Certificate> certificates(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> chain = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
          .map(X509Certificate.class::cast).toList();
      if (chain.isEmpty()) throw new IllegalArgumentException("no certificate in " + file);
      return chain;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the certificate " + file, e);
    } catch (CertificateException e) {
      throw new IllegalArgumentException("not a PEM certificate: " + file, e);
    }
  }

  static PrivateKey privateKey(Path file) {
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser pem = new PEMParser(reader)) {
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      for (Object item = pem.readObject(); item != null; item = pem.readObject()) {
        if (item instanceof PrivateKeyInfo info) return converter.getPrivateKey(info);
        if (item instanceof PEMKeyPair pair) return converter.getPrivateKey(pair.getPrivateKeyInfo());
      }
      throw new IllegalArgumentException("no unencrypted private key in " + file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the private key " + file, e);
    }
  }
}
