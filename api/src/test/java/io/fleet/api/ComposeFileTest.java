package io.fleet.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code docker/compose.yml} checked without a Docker daemon (none runs on these machines, and Debian's
 * docker-compose 1.29 rejects today's Compose Specification): what a deployment needs that a file can show.
 */
class ComposeFileTest {
  private static final Path ROOT = Path.of("..");
  private static final Pattern REQUIRED = Pattern.compile("\\$\\{([A-Z0-9_]+):\\?[^}]*}");
  private static Map<String, Map<String, Object>> services;
  private static Set<String> oneShot;

  @BeforeAll
  @SuppressWarnings("unchecked")
  static void load() throws IOException {
    Map<String, Object> compose = new Yaml(new LoaderOptions()).load(Files.readString(ROOT.resolve("docker/compose.yml")));
    services = (Map<String, Map<String, Object>>) compose.get("services");
    oneShot = new HashSet<>();
    for (Map<String, Object> s : services.values()) {
      dependsOn(s).forEach((name, condition) -> {
        if (condition.equals("service_completed_successfully")) oneShot.add(name);
      });
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> dependsOn(Map<String, Object> service) {
    Object deps = service.get("depends_on");
    if (deps == null) return Map.of();
    assertThat(deps).as("depends_on with conditions, not a list").isInstanceOf(Map.class);
    Map<String, String> out = new LinkedHashMap<>();
    ((Map<String, Map<String, Object>>) deps).forEach((name, spec) -> out.put(name, String.valueOf(spec.get("condition"))));
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> environment(Map<String, Object> service) {
    Object env = service.get("environment");
    if (env == null) return Map.of();
    Map<String, String> out = new LinkedHashMap<>();
    ((Map<String, Object>) env).forEach((k, v) -> out.put(k, String.valueOf(v)));
    return out;
  }

  private static Stream<Map.Entry<String, Map<String, Object>>> fleetNodes() {
    return services.entrySet().stream().filter(e -> e.getKey().startsWith("fleet-"));
  }

  @Test
  void everyServiceIsHealthcheckedRestartedAndWaitedForByItsCondition() {
    assertThat(services).containsKeys("kafka", "mosquitto", "minio", "minio-bucket", "postgres", "fleet-1", "fleet-2",
        "fleet-3");
    services.forEach((name, s) -> {
      if (!oneShot.contains(name)) {
        assertThat(s).as(name + " healthcheck").containsKey("healthcheck");
        assertThat(s.get("restart")).as(name + " restart policy").isIn("unless-stopped", "always", "on-failure");
      }
      dependsOn(s).forEach((dependency, condition) -> {
        assertThat(services).as(name + " depends on a service that exists").containsKey(dependency);
        assertThat(condition).as(name + " waits for " + dependency)
            .isEqualTo(oneShot.contains(dependency) ? "service_completed_successfully" : "service_healthy");
      });
    });
    fleetNodes().forEach(e -> assertThat(dependsOn(e.getValue())).as(e.getKey())
        .containsOnlyKeys("kafka", "mosquitto", "minio-bucket", "postgres"));
  }

  @Test
  void imagesArePinnedToAVersionAndDataLivesInNamedVolumes() throws IOException {
    services.forEach((name, s) -> {
      if (s.containsKey("build")) return;
      String image = String.valueOf(s.get("image"));
      String tag = image.contains(":") ? image.substring(image.lastIndexOf(':') + 1) : "";
      assertThat(tag).as(name + " image " + image + " pinned (not latest, not a bare major version)")
          .isNotEqualTo("latest").matches("(RELEASE\\.)?[0-9][0-9A-Za-z_.-]*[.-][0-9A-Za-z_.-]+");
    });
    for (String stateful : List.of("kafka", "mosquitto", "minio", "postgres", "fleet-1", "fleet-2", "fleet-3")) {
      assertThat(String.valueOf(services.get(stateful).get("volumes"))).as(stateful + " keeps its data in a named volume")
          .containsPattern("\\[?[a-z0-9-]+-data:/");
    }
    assertThat(Files.readString(ROOT.resolve("docker/compose.yml"))).contains("../config/mosquitto/mosquitto.conf:");
    assertThat(ROOT.resolve("config/mosquitto/mosquitto.conf")).content().contains("mosquitto_dynamic_security.so")
        .contains("allow_anonymous false").contains("max_queued_messages 0").contains("max_packet_size");
  }

  @Test
  void noSecretHasADefaultEverySecretComesFromTheGeneratedEnvFileAndTheNodesShareOne() throws IOException {
    String file = Files.readString(ROOT.resolve("docker/compose.yml"));
    assertThat(file.toLowerCase()).doesNotContain("change-me").doesNotContain("changeme");
    Set<String> required = new TreeSet<>();
    services.forEach((name, s) -> environment(s).forEach((key, value) -> {
      if (key.matches(".*(PASSWORD|SECRET|TOKEN).*") && !key.endsWith("_USER")) {
        assertThat(value).as(name + " " + key + " must come from docker/.env, with no default").matches(REQUIRED.pattern());
      }
      Matcher m = REQUIRED.matcher(value);
      while (m.find()) required.add(m.group(1));
    }));
    String script = Files.readString(ROOT.resolve("docker/init-env.sh"));
    for (String variable : required) assertThat(script).as("init-env.sh writes " + variable).contains(variable + "=$(secret)");
    for (String shared : List.of("FLEET_DEVICE_SECRET", "FLEET_ADMIN_TOKEN", "FLEET_MQTT_PASSWORD", "FLEET_DB_PASSWORD")) {
      assertThat(fleetNodes().map(e -> environment(e.getValue()).get(shared)).distinct().toList())
          .as("one " + shared + " for all nodes").hasSize(1).doesNotContainNull();
    }
    assertThat(Files.readString(ROOT.resolve(".gitignore"))).contains("docker/.env");
  }

  @Test
  void everyFleetSettingTheFileNamesExistsInFleetsConfiguration() throws IOException {
    StringBuilder config = new StringBuilder();
    try (Stream<Path> files = Files.list(ROOT.resolve("config"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".conf")).toList()) config.append(Files.readString(f));
    }
    fleetNodes().forEach(e -> environment(e.getValue()).keySet().forEach(key -> {
      if (key.startsWith("FLEET_")) assertThat(config).as(e.getKey() + ": " + key + " is a setting").contains("${?" + key + "}");
    }));
    assertThat(environment(services.get("fleet-1"))).containsKeys("FLEET_S3_PUBLIC_ENDPOINT", "FLEET_MQTT_DYNSEC_USER");
  }

  @Test
  void theImageBuildsDependenciesBeforeSourcesRunsAsAUserAndReportsReadiness() throws IOException {
    String dockerfile = Files.readString(ROOT.resolve("docker/Dockerfile"));
    assertThat(dockerfile.indexOf("COPY pom.xml")).as("the poms first").isNotNegative()
        .isLessThan(dockerfile.indexOf("dependency:go-offline")).isLessThan(dockerfile.indexOf("COPY . ."));
    assertThat(dockerfile).containsPattern("(?m)^USER (?!root)\\S+").contains("HEALTHCHECK").contains("/api/health/ready");
    assertThat(ROOT.resolve(".dockerignore")).content().contains("target/").contains("data/").contains("docker/.env");
  }
}
