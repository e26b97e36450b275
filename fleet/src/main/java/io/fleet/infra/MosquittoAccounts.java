package io.fleet.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import io.fleet.protocol.Topics;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an external Mosquitto's accounts in step with the fleet through its dynamic-security plugin
 * (commands on {@code $CONTROL/dynamic-security/v1}, answers on {@code .../response}): Fleet's service
 * account (the ingress bridge) may read and write every device topic; each registered device gets a client
 * named by its id, bound to that client id, with a role of its own that may publish only to
 * {@code fleet/{id}/#} and {@code owntracks/{id}/#} and subscribe only to its command topics
 * ({@code fleet/{id}/cmd/#}, {@code owntracks/{id}/+/cmd}); a decommissioned device's client and role are
 * deleted, so it can no longer connect.
 *
 * <p>State: one MQTT session as the dynamic-security administrator and the commands awaiting their answer.
 * The accounts themselves live in Mosquitto's dynamic-security file; every command is idempotent (an
 * account that exists is updated, one that is gone stays gone), so a command repeated after a crash does
 * no harm.
 */
public final class MosquittoAccounts implements AutoCloseable {
  /** The bridges' own topics (their ticks). */
  private static final String INGRESS = "fleet-ingress";
  private static final Logger log = LoggerFactory.getLogger(MosquittoAccounts.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String COMMANDS = "$CONTROL/dynamic-security/v1";
  static final String RESPONSES = COMMANDS + "/response";
  /** The role of Fleet's service account. */
  public static final String SERVICE_ROLE = "fleet-service";
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);
  /** Errors that mean the account is already as wanted. */
  private static final Set<String> DONE_ALREADY = Set.of("Client already exists", "Role already exists",
      "Client not found", "Role not found", "ACL with this topic already exists");

  private final Mqtt3AsyncClient client;
  private final Map<String, CompletableFuture<JsonNode>> awaiting = new ConcurrentHashMap<>();

  private MosquittoAccounts(Mqtt3AsyncClient client) {
    this.client = client;
  }

  /** Connects to the broker at {@code url} as its dynamic-security administrator. */
  public static MosquittoAccounts connect(String url, String adminUser, String adminPassword) {
    URI uri = URI.create(url);
    Mqtt3ClientBuilder builder = MqttClient.builder().useMqttVersion3()
        .identifier("fleet-dynsec-" + UUID.randomUUID().toString().substring(0, 8))
        .serverHost(uri.getHost()).serverPort(uri.getPort()).automaticReconnectWithDefaultConfig();
    if ("ssl".equals(uri.getScheme()) || "mqtts".equals(uri.getScheme())) builder = builder.sslWithDefaultConfig();
    Mqtt3AsyncClient client = builder.simpleAuth().username(adminUser)
        .password(adminPassword.getBytes(StandardCharsets.UTF_8)).applySimpleAuth().buildAsync();
    MosquittoAccounts accounts = new MosquittoAccounts(client);
    try {
      client.connectWith().cleanSession(true).send().get(10, TimeUnit.SECONDS);
      client.subscribeWith().topicFilter(RESPONSES).qos(MqttQos.AT_LEAST_ONCE).callback(p ->
          accounts.answered(p.getPayloadAsBytes())).send().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      client.disconnect();
      throw new IllegalStateException("cannot reach Mosquitto's dynamic security at " + url + " as " + adminUser, e);
    }
    return accounts;
  }

  /**
   * Fleet's service account: reads and writes every device topic (also through shared subscriptions), and the
   * bridges' ticks ({@code fleet-ingress/#}, which no device may touch).
   */
  public CompletionStage<Void> ensureService(String user, String password) {
    List<ObjectNode> acls = List.of(
        acl("publishClientSend", Topics.FLEET + "/#"), acl("publishClientSend", Topics.OWNTRACKS + "/#"),
        acl("publishClientReceive", Topics.FLEET + "/#"), acl("publishClientReceive", Topics.OWNTRACKS + "/#"),
        acl("subscribePattern", Topics.FLEET + "/#"), acl("subscribePattern", Topics.OWNTRACKS + "/#"),
        acl("publishClientSend", INGRESS + "/#"), acl("publishClientReceive", INGRESS + "/#"),
        acl("subscribePattern", INGRESS + "/#"),
        acl("unsubscribePattern", "#"));
    return upsert(user, password, null, SERVICE_ROLE, acls);
  }

  /** A registered device's account: its own topics only, its client id bound to its user name. */
  public CompletionStage<Void> addDevice(String deviceId, String password) {
    List<ObjectNode> acls = List.of(
        acl("publishClientSend", Topics.allOf(deviceId)), acl("publishClientSend", Topics.allOwnTracksOf(deviceId)),
        acl("subscribePattern", Topics.FLEET + "/" + deviceId + "/cmd/#"),
        acl("subscribePattern", Topics.OWNTRACKS + "/" + deviceId + "/+/" + Topics.OWNTRACKS_COMMAND),
        acl("unsubscribePattern", "#"));
    return upsert(deviceId, password, deviceId, roleOf(deviceId), acls);
  }

  /** A decommissioned device: its client (which disconnects it) and its role are deleted. */
  public CompletionStage<Void> removeDevice(String deviceId) {
    return send(List.of(command("deleteClient").put("username", deviceId),
        command("deleteRole").put("rolename", roleOf(deviceId))));
  }

  static String roleOf(String deviceId) {
    return "device-" + deviceId;
  }

  /**
   * The role with exactly {@code acls}, then the client with that role and {@code password}: created when
   * missing, brought back to this when it exists.
   */
  private CompletionStage<Void> upsert(String user, String password, String clientId, String role, List<ObjectNode> acls) {
    List<ObjectNode> commands = new ArrayList<>();
    ObjectNode createRole = command("createRole").put("rolename", role);
    ArrayNode roleAcls = createRole.putArray("acls");
    acls.forEach(roleAcls::add);
    commands.add(createRole);
    for (ObjectNode a : acls) {
      commands.add(command("addRoleACL").put("rolename", role).put("acltype", a.get("acltype").asText())
          .put("topic", a.get("topic").asText()).put("allow", true));
    }
    ObjectNode createClient = command("createClient").put("username", user).put("password", password);
    if (clientId != null) createClient.put("clientid", clientId);
    createClient.putArray("roles").addObject().put("rolename", role);
    commands.add(createClient);
    commands.add(command("setClientPassword").put("username", user).put("password", password));
    if (clientId != null) commands.add(command("setClientId").put("username", user).put("clientid", clientId));
    // Adding a role the client has already is an error: take it off first, so the client ends with it either way.
    commands.add(command("removeClientRole").put("username", user).put("rolename", role));
    commands.add(command("addClientRole").put("username", user).put("rolename", role));
    return send(commands);
  }

  private static ObjectNode command(String name) {
    return JSON.createObjectNode().put("command", name);
  }

  private static ObjectNode acl(String type, String topic) {
    return JSON.createObjectNode().put("acltype", type).put("topic", topic).put("allow", true);
  }

  /** Sends the commands in one message; completes when each was answered without an error that matters. */
  private CompletionStage<Void> send(List<ObjectNode> commands) {
    List<CompletableFuture<JsonNode>> answers = new ArrayList<>();
    ObjectNode message = JSON.createObjectNode();
    ArrayNode array = message.putArray("commands");
    for (ObjectNode c : commands) {
      String correlation = UUID.randomUUID().toString();
      CompletableFuture<JsonNode> answer = new CompletableFuture<JsonNode>()
          .orTimeout(ANSWER_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
      answer.whenComplete((a, e) -> awaiting.remove(correlation));
      awaiting.put(correlation, answer);
      answers.add(answer);
      array.add(c.deepCopy().put("correlationData", correlation));
    }
    byte[] payload;
    try {
      payload = JSON.writeValueAsBytes(message);
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return client.publishWith().topic(COMMANDS).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send()
        .thenCompose(sent -> CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)))
        .thenAccept(all -> {
          for (int i = 0; i < answers.size(); i++) {
            JsonNode error = answers.get(i).join().get("error");
            if (error != null && !DONE_ALREADY.contains(error.asText())) {
              throw new IllegalStateException("Mosquitto refused " + commands.get(i).get("command").asText() + ": "
                  + error.asText());
            }
          }
        });
  }

  private void answered(byte[] payload) {
    try {
      for (JsonNode response : JSON.readTree(payload).path("responses")) {
        CompletableFuture<JsonNode> answer = awaiting.get(response.path("correlationData").asText());
        if (answer != null) answer.complete(response);
      }
    } catch (IOException e) {
      log.warn("unreadable answer from Mosquitto's dynamic security: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    client.disconnect();
  }
}
