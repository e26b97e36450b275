package io.fleet.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.util.io.pem.PemObjectGenerator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes a self-signed certificate (EC P-256, SHA-256, valid 825 days, no CA rights) for the given host names and
 * addresses, written as two PEM files; the key file is readable by its owner only. Stateless.
 */
final class SelfSignedCertificate {
  private static final Duration VALIDITY = Duration.ofDays(825);

  private SelfSignedCertificate() {}

  static void create(List<String> hosts, Path certificateFile, Path keyFile) {
    Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1"));
    hosts.stream().filter(h -> h != null && !h.isBlank() && !h.equals("0.0.0.0")).forEach(names::add);
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair pair = generator.generateKeyPair();
      X500Name subject = new X500Name("CN=Fleet self-signed (" + names.iterator().next() + ")");
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
          new BigInteger(64, new SecureRandom()), Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)),
          subject, pair.getPublic());
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(names.stream().map(SelfSignedCertificate::generalName).toArray(GeneralName[]::new)));
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      X509CertificateHolder certificate = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
      writePem(keyFile, new JcaPKCS8Generator(pair.getPrivate(), null), true);
      writePem(certificateFile, certificate, false);
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot make a self-signed certificate in " + certificateFile.getParent(), e);
    }
  }

  private static GeneralName generalName(String host) {
    return isAddress(host) ? new GeneralName(GeneralName.iPAddress, host) : new GeneralName(GeneralName.dNSName, host);
  }

  private static boolean isAddress(String host) {
    if (!host.matches("[0-9.]+|.*:.*")) return false;
    try {
      return InetAddress.getByName(host).getHostAddress() != null;
    } catch (IOException e) {
      return false;
    }
  }

  /** Written to a temporary file first, then moved: a crash never leaves half a file behind. */
  private static void writePem(Path file, Object item, boolean ownerOnly) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    try (Writer writer = Files.newBufferedWriter(partial, StandardCharsets.US_ASCII); JcaPEMWriter pem = new JcaPEMWriter(writer)) {
      if (item instanceof PemObjectGenerator generator) {
        pem.writeObject(generator);
      } else {
        pem.writeObject(item);
      }
    }
    if (ownerOnly) {
      try {
        Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException notPosix) {
        // Windows: the data directory's own permissions apply.
      }
    }
    try {
      Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
