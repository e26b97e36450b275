package io.fleet.device;

import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * Carries a {@link DeviceRefused} between nodes (the error of a reply from an entity on another node) as
 * its rejection's kind and detail; bound in {@code serialization.conf}. Stateless.
 */
public final class DeviceRefusedSerializer extends SerializerWithStringManifest {
  private static final String MANIFEST = "refused";

  public DeviceRefusedSerializer(ExtendedActorSystem system) {}

  @Override
  public int identifier() {
    return 4711;
  }

  @Override
  public String manifest(Object o) {
    return MANIFEST;
  }

  @Override
  public byte[] toBinary(Object o) {
    Rejection rejection = ((DeviceRefused) o).rejection();
    return (rejection.kind().name() + "\n" + rejection.detail()).getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    int cut = text.indexOf('\n');
    return new DeviceRefused(new Rejection(Rejection.Kind.valueOf(text.substring(0, cut)), text.substring(cut + 1)));
  }
}
