package io.fleet.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {

  @TempDir Path dir;

  @Test
  void createsTheDirectoryWithItsParents() {
    Path root = dir.resolve("a/b/data");
    DataDirectory data = DataDirectory.open(root);
    assertThat(root).isDirectory();
    assertThat(data.root()).isEqualTo(root.toAbsolutePath());
  }

  @Test
  void aPortIsChosenOnceFreeOutsideTheEphemeralRangeAndKeptAcrossReopen() {
    DataDirectory data = DataDirectory.open(dir);
    int kafka = data.portFor("kafka");
    int mqtt = data.portFor("mqtt");

    int[] range = DataDirectory.portRange();
    assertThat(range).hasSize(2);
    assertThat(kafka).isNotEqualTo(mqtt).isBetween(range[0], range[1] - 1);
    assertThat(mqtt).isBetween(range[0], range[1] - 1);
    assertThat(DataDirectory.isFree(kafka)).isTrue();
    assertThat(data.portFor("kafka")).isEqualTo(kafka);
    assertThat(dir.resolve("ports.properties")).content().contains("kafka=" + kafka, "mqtt=" + mqtt);

    DataDirectory reopened = DataDirectory.open(dir);
    assertThat(reopened.portFor("kafka")).isEqualTo(kafka);
    assertThat(reopened.portFor("mqtt")).isEqualTo(mqtt);
  }

  @Test
  void portsAreChosenOutsideTheKernelsEphemeralRange() throws Exception {
    Path rangeFile = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    Assumptions.assumeTrue(Files.isReadable(rangeFile), "not Linux");
    String[] ephemeral = Files.readAllLines(rangeFile).get(0).trim().split("\\s+");
    int low = Integer.parseInt(ephemeral[0]);
    int high = Integer.parseInt(ephemeral[1]);

    int[] range = DataDirectory.portRange();

    assertThat(range).hasSize(2);
    assertThat(range[1] <= low || range[0] > high).as("range %s-%s vs ephemeral %s-%s", range[0], range[1], low, high)
        .isTrue();
  }

  @Test
  void aSecretIsGeneratedOnceKeptAcrossReopenAndPrivate() throws Exception {
    DataDirectory data = DataDirectory.open(dir);
    String device = data.secret("device");
    String s3 = data.secret("s3");

    assertThat(device).hasSizeGreaterThanOrEqualTo(43).isNotEqualTo(s3);
    assertThat(data.secret("device")).isEqualTo(device);
    assertThat(DataDirectory.open(dir).secret("device")).isEqualTo(device);
    Path file = dir.resolve("secrets.properties");
    if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
      assertThat(Files.getPosixFilePermissions(file))
          .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    }
    assertThat(dir.resolve("secrets.properties.tmp")).doesNotExist();
  }
}
