package io.fleet.infra;

import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import io.fleet.credentials.DeviceCredentials;
import io.fleet.tls.TlsIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HiveMQ CE running embedded in this JVM, listening on 127.0.0.1 (or {@code fleet.embedded-bind-host}) at the
 * port kept as {@code mqtt}; with a TLS identity ({@code fleet.tls}) devices get a TLS listener on the bind host
 * at the port kept as {@code mqtts} instead, its key store regenerated in the configuration folder at each start,
 * and the plain listener stays on 127.0.0.1.
 *
 * <p>State: sessions, subscriptions, queued and retained messages are kept <em>on disk</em> in
 * {@code <data-dir>/hivemq/data} (HiveMQ's file persistence, written as they arrive): a QoS 1 message the broker
 * acknowledged to its device and queued for the ingress bridge's persistent session survives a crash of the
 * process, even SIGKILL, and reaches the bridge after the restart ({@code BrokerCrashIT}). Also kept: the port
 * ({@code ports.properties}), the service password ({@code secrets.properties}, key {@code mqtt-service}) and
 * the device secret, so all credentials stay valid. Once the ingress bridge of this node has caught up, device
 * messages skip the queue: they go straight to Kafka and are acknowledged once Kafka has them ({@link
 * #takeDirectly}, {@link DirectRoute}), so nothing of theirs needs the disk. Device passwords are checked against
 * {@link DeviceCredentials} at every CONNECT. The configuration folder
 * {@code <data-dir>/hivemq/conf} is regenerated at every start. Logging stays with the application's
 * logback configuration ({@code withoutLoggingBootstrap()}); the jar's own {@code config.xml} and
 * {@code logback.xml} are not used (ours are found first).
 */
public final class EmbeddedMqttBroker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedMqttBroker.class);
  public static final String SERVICE_USER = "fleet-service";
  /** How many QoS 1/2 messages an MQTT 5 client may have unacknowledged towards the broker (default 10). */
  static final int SERVER_RECEIVE_MAXIMUM = 1000;
  /**
   * Messages queued per offline persistent session (the bridge while it reconnects, or while Fleet is down; on
   * disk): a million is over a quarter of an hour of 1,000 messages a second. Devices are held back well before
   * ({@link BridgeBacklog}, {@code fleet.mqtt.embedded-backpressure}), so it is reached only by publishes held
   * longer than their limit; beyond it the oldest are dropped.
   */
  static final int MAX_QUEUED_MESSAGES = 1_000_000;
  /**
   * How many QoS 1 messages the broker sends a subscriber before it waits for acknowledgements. HiveMQ CE
   * fixes it at 50 whatever the client's receive maximum, and has no configuration element for it, only
   * this internal setting. The ingress bridge acknowledges a message only once Kafka has it, so its rate
   * is this window divided by one MQTT→Kafka→PUBACK round trip: 50 capped Fleet's ingest at ~800 msg/s
   * on two cores (BENCHMARKS.md). The bridge bounds its own window ({@code fleet.mqtt.in-flight}).
   */
  static final int SUBSCRIBER_INFLIGHT_WINDOW = 1000;
  /**
   * How long HiveMQ's persistence executor may take to finish at stop (default 2 s, spent in full at every
   * stop). Nothing waits for it: each message is in the persistence's write-ahead log once it is acknowledged
   * (which a SIGKILL does not undo either); 100 ms makes a stop take ~2 s instead of ~4 s (the rest is Netty's
   * fixed quiet period).
   */
  static final int PERSISTENCE_SHUTDOWN_GRACE_MS = 100;
  /**
   * How long a device publish taken straight to Kafka ({@link #takeDirectly}) waits for Kafka before it goes into
   * the bridge's queue instead: Kafka answers in milliseconds when it is there.
   */
  static final Duration DIRECT_WAIT = Duration.ofSeconds(5);

  private final EmbeddedHiveMQ hivemq;
  private final String url;
  private final Optional<String> tlsUrl;
  private final String servicePassword;
  private final BridgeBacklog backlog;
  private boolean closed;

  private EmbeddedMqttBroker(EmbeddedHiveMQ hivemq, String url, Optional<String> tlsUrl, String servicePassword,
      BridgeBacklog backlog) {
    this.hivemq = hivemq;
    this.backlog = backlog;
    this.url = url;
    this.tlsUrl = tlsUrl;
    this.servicePassword = servicePassword;
  }

  /** Room for an MQTT packet's fixed and variable header (topic, packet id, MQTT 5 properties) on top of the payload. */
  static final int PACKET_HEADROOM = 4096;
  /** Fleet's default payload limit ({@code fleet.mqtt.max-payload-bytes}). */
  static final int DEFAULT_MAX_PAYLOAD = 262_144;

  /**
   * When devices are held back ({@link BridgeBacklog}): once {@code limit} messages wait for the ingress bridge
   * (client id {@code bridgeClientId}, or that followed by {@code -…}), for at most {@code hold} each.
   */
  public record Backpressure(String bridgeClientId, long limit, Duration hold) {
    /** Never holds anyone (a bridge with a clean session: messages published while it is away are not kept). */
    public static Backpressure off(String bridgeClientId) {
      return new Backpressure(bridgeClientId, Long.MAX_VALUE, Duration.ofSeconds(1));
    }
  }

  /** {@link #start(DataDirectory, DeviceCredentials, int, String, Optional, String, Backpressure)} with Fleet's
   * defaults, on loopback. */
  public static EmbeddedMqttBroker start(DataDirectory dataDirectory, DeviceCredentials devices) {
    return start(dataDirectory, devices, DEFAULT_MAX_PAYLOAD, "127.0.0.1", Optional.empty(), "file",
        new Backpressure("fleet-ingress-bridge", MAX_QUEUED_MESSAGES / 2, Duration.ofMinutes(10)));
  }

  /**
   * Writes the configuration, starts the broker and returns once it accepts connections. Packets larger
   * than {@code maxPayloadBytes} plus headers are refused by the broker as they arrive (the client is
   * disconnected), instead of being read whole into memory first (HiveMQ's default allows 256 MB); a
   * payload a little over the limit still reaches Fleet, which dead-letters it as oversized. It listens on
   * {@code bindHost} (0.0.0.0: every interface, so devices on the network reach it). With {@code tls}, devices
   * get a TLS listener there instead (port kept as {@code mqtts}), and the plain one listens on 127.0.0.1 only,
   * for Fleet's own clients. {@code persistence}: {@code file} (sessions and queues on disk, the default) or
   * {@code in-memory}. {@code backpressure}: when devices' publishes wait for the bridge to catch up.
   */
  public static EmbeddedMqttBroker start(DataDirectory dataDirectory, DeviceCredentials devices, int maxPayloadBytes,
      String bindHost, Optional<TlsIdentity> tls, String persistence, Backpressure backpressure) {
    if (!persistence.equals("file") && !persistence.equals("in-memory")) {
      throw new IllegalArgumentException("fleet.mqtt.embedded-persistence must be file or in-memory, not '" + persistence + "'");
    }
    long started = System.nanoTime();
    int port = dataDirectory.portFor("mqtt");
    Ports.requireFree("MQTT broker", dataDirectory, port);
    String servicePassword = dataDirectory.secret("mqtt-service");
    Path home = dataDirectory.subdirectory("hivemq");
    Path conf = dataDirectory.subdirectory("hivemq/conf");
    Path data = dataDirectory.subdirectory("hivemq/data");
    Path extensions = dataDirectory.subdirectory("hivemq/extensions");
    Optional<TlsListener> tlsListener = tls.map(identity -> {
      Path keyStore = conf.resolve("tls.p12");
      String keyStorePassword = dataDirectory.secret("mqtt-keystore");
      identity.writeKeyStore(keyStore, keyStorePassword.toCharArray());
      int tlsPort = dataDirectory.portFor("mqtts");
      Ports.requireFree("MQTT broker (TLS)", dataDirectory, tlsPort);
      return new TlsListener(tlsPort, bindHost, keyStore, keyStorePassword);
    });
    String plainHost = tls.isPresent() ? "127.0.0.1" : bindHost;
    writeConfig(conf.resolve("config.xml"), configXml(port, maxPayloadBytes + PACKET_HEADROOM, plainHost, tlsListener, persistence));

    InternalConfigurations.MAX_INFLIGHT_WINDOW_SIZE_MESSAGES = SUBSCRIBER_INFLIGHT_WINDOW;
    InternalConfigurations.PERSISTENCE_SHUTDOWN_GRACE_PERIOD_MSEC.set(PERSISTENCE_SHUTDOWN_GRACE_MS);
    MqttAuthenticator authenticator = new MqttAuthenticator(devices, SERVICE_USER, servicePassword);
    BridgeBacklog backlog = new BridgeBacklog(backpressure.bridgeClientId(), backpressure.limit(), backpressure.hold(),
        DIRECT_WAIT);
    EmbeddedExtension extension = EmbeddedExtension.builder()
        .withId("fleet-auth")
        .withName("Fleet device authentication and backpressure")
        .withVersion("1")
        .withAuthor("Fleet")
        .withPriority(0)
        .withStartPriority(1000)
        .withExtensionMain(new FleetExtension(authenticator, backlog))
        .build();
    EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
        .withConfigurationFolder(conf)
        .withDataFolder(data)
        .withExtensionsFolder(extensions)
        .withEmbeddedExtension(extension)
        .withoutLoggingBootstrap()
        .build();
    try {
      hivemq.start().join();
    } catch (CompletionException e) {
      closeQuietly(hivemq, e);
      throw new IllegalStateException("embedded MQTT broker failed to start in " + home, e.getCause());
    }
    String url = "tcp://" + EmbeddedHosts.connectHost(plainHost) + ":" + port;
    Optional<String> tlsUrl = tlsListener.map(l -> "ssl://" + EmbeddedHosts.connectHost(bindHost) + ":" + l.port());
    log.info("Embedded MQTT broker (HiveMQ CE) on {}{} started in {} ms", url, tlsUrl.map(u -> " and " + u).orElse(""),
        (System.nanoTime() - started) / 1_000_000);
    return new EmbeddedMqttBroker(hivemq, url, tlsUrl, servicePassword, backlog);
  }

  /** Where Fleet's own clients reach it: {@code tcp://127.0.0.1:<port>} (or the bind host when it names one). */
  public String url() {
    return url;
  }

  /** Where devices reach its TLS listener ({@code ssl://host:port}), when it has one. */
  public Optional<String> tlsUrl() {
    return tlsUrl;
  }

  /** The user name of Fleet's own clients (ingress bridge, health probe). */
  public String serviceUser() {
    return SERVICE_USER;
  }

  public String servicePassword() {
    return servicePassword;
  }

  /**
   * Disconnects the device's client, if it is connected here: its password was just rotated or revoked,
   * and it must not keep a session it could no longer open. It reconnects with its current password (or
   * is refused). Completes once the broker has done it.
   */
  public CompletableFuture<Void> disconnect(String deviceId) {
    return Services.clientService().disconnectClient(deviceId, false, DisconnectReasonCode.NOT_AUTHORIZED,
        "credentials changed").thenAccept(wasConnected -> {
          if (wasConnected) log.info("MQTT: disconnected device {}: its password was rotated or revoked", deviceId);
        });
  }

  /** Messages waiting for the ingress bridge, as the broker counts them ({@link BridgeBacklog}). */
  public long bridgeBacklog() {
    return backlog.queued();
  }

  /** Devices' publishes held back (not acknowledged) now, while the bridge catches up. */
  public int heldPublishes() {
    return backlog.held();
  }

  /** Devices' publishes held back since start. */
  public long heldPublishesTotal() {
    return backlog.heldTotal();
  }

  /**
   * From now on, device messages go straight to Kafka through {@code ingress} (no queue, no MQTT hop to the bridge),
   * each acknowledged to its device once Kafka has it, as soon as the bridge has caught up ({@link
   * #bridgeHandledTick}). Called by the ingress bridge of this node, which writes to Kafka through the same producer.
   */
  public void takeDirectly(DirectIngress ingress) {
    backlog.route().register(ingress);
  }

  /** Device messages queue for the bridge again (it stops, or leaves this node). */
  public void stopTakingDirectly() {
    backlog.route().unregister();
  }

  /**
   * The bridge has written its tick published at {@code publishedAtMillis} to Kafka, and with it all it was sent
   * before: device messages may go directly once that tick came well after the last message that was queued.
   */
  public void bridgeHandledTick(long publishedAtMillis) {
    backlog.route().bridgeHandledTick(publishedAtMillis);
  }

  /**
   * Up to when (epoch millis) device messages the direct road took are all on their way to Kafka: while it holds
   * publishes back (draining the queue before it opens), the time it began to; else no limit ({@code Long.MAX_VALUE}).
   * The bridge writes its ticks no later than this.
   */
  public long directHeardUpTo() {
    return backlog.route().heardUpTo();
  }

  /** Whether device messages go straight to Kafka now. */
  public boolean takesDirectly() {
    return backlog.route().isOpen();
  }

  /** Device messages taken straight to Kafka since start. */
  public long takenDirectlyTotal() {
    return backlog.route().takenTotal();
  }

  /** How often the direct road opened since start (once, unless Kafka went away or messages had to be queued). */
  public long directOpeningsTotal() {
    return backlog.route().openingsTotal();
  }

  /** Device messages that could not be taken straight to Kafka and were queued for the bridge instead. */
  public long directFallbacksTotal() {
    return backlog.route().fellBackTotal();
  }

  /**
   * Messages the broker dropped since start (a full queue, an expired message): 0 is the goal. HiveMQ counts a
   * message taken straight to Kafka as dropped too (its delivery was prevented): those are not counted here.
   */
  public long droppedMessages() {
    var counter = Services.metricRegistry().getCounters().get("com.hivemq.messages.dropped.count");
    return counter == null ? 0 : Math.max(0, counter.getCount() - takenDirectlyTotal());
  }

  /** Stops the broker (disconnecting all clients) and releases its resources. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long started = System.nanoTime();
    disconnectWithoutWills();
    try {
      hivemq.stop().join();
      hivemq.close();
    } catch (ExecutionException | RuntimeException e) {
      log.warn("Embedded MQTT broker did not stop cleanly", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    log.info("Embedded MQTT broker on {} stopped in {} ms", url, (System.nanoTime() - started) / 1_000_000);
  }

  /**
   * Disconnects every connected client without publishing its will: the broker stopping is not its device going
   * away. Left to the stop, each device's last will ("offline") would be queued for the bridge's persistent session
   * and, after the restart, make every device offline (and raise an alert) until it reconnected. Waits a few
   * seconds at most; a client left connected is disconnected by the stop, will and all.
   */
  private void disconnectWithoutWills() {
    List<CompletableFuture<Boolean>> disconnects = Collections.synchronizedList(new ArrayList<>());
    try {
      Services.clientService().iterateAllClients((context, session) -> {
        if (session.isConnected()) disconnects.add(Services.clientService().disconnectClient(session.getClientIdentifier(), true));
      }).thenCompose(v -> CompletableFuture.allOf(disconnects.toArray(CompletableFuture[]::new)))
          .get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.warn("Embedded MQTT broker: not every client was disconnected without its will before the stop", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A TLS listener: its port and address, and the PKCS#12 key store (and password) of its certificate. */
  record TlsListener(int port, String bindHost, Path keyStore, String keyStorePassword) {
    String xml() {
      return """
                  <tls-tcp-listener>
                      <port>%d</port>
                      <bind-address>%s</bind-address>
                      <name>fleet-tls</name>
                      <tls>
                          <keystore>
                              <path>%s</path>
                              <password>%s</password>
                              <private-key-password>%s</private-key-password>
                          </keystore>
                          <client-authentication-mode>NONE</client-authentication-mode>
                      </tls>
                  </tls-tcp-listener>
          """.formatted(port, bindHost, keyStore.toAbsolutePath(), keyStorePassword, keyStorePassword);
    }
  }

  static String configXml(int port, int maxPacketBytes, String bindHost, Optional<TlsListener> tls, String persistence) {
    return """
        <?xml version="1.0"?>
        <!-- Generated by Fleet at every start (io.fleet.infra.EmbeddedMqttBroker); edits are overwritten. -->
        <hivemq>
            <listeners>
                <tcp-listener>
                    <port>%d</port>
                    <bind-address>%s</bind-address>
                    <name>fleet-tcp</name>
                </tcp-listener>
        %s    </listeners>
            <mqtt>
                <queued-messages>
                    <max-queue-size>%d</max-queue-size>
                    <strategy>discard-oldest</strategy>
                </queued-messages>
                <receive-maximum>
                    <server-receive-maximum>%d</server-receive-maximum>
                </receive-maximum>
                <packets>
                    <max-packet-size>%d</max-packet-size>
                </packets>
            </mqtt>
            <persistence>
                <mode>%s</mode>
            </persistence>
            <anonymous-usage-statistics>
                <enabled>false</enabled>
            </anonymous-usage-statistics>
        </hivemq>
        """.formatted(port, bindHost, tls.map(TlsListener::xml).orElse(""), MAX_QUEUED_MESSAGES, SERVER_RECEIVE_MAXIMUM,
            maxPacketBytes, persistence);
  }

  private static void writeConfig(Path file, String xml) {
    try {
      Files.writeString(file, xml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static void closeQuietly(EmbeddedHiveMQ hivemq, Exception cause) {
    try {
      hivemq.close();
    } catch (Exception e) {
      cause.addSuppressed(e);
    }
  }

  /**
   * The embedded extension: registers the authenticator (which also sets default permissions), the bridge's
   * backlog (which holds devices back) and what keeps last wills in their place ({@link LastWills}).
   */
  private static final class FleetExtension implements ExtensionMain {
    private final MqttAuthenticator authenticator;
    private final BridgeBacklog backlog;

    FleetExtension(MqttAuthenticator authenticator, BridgeBacklog backlog) {
      this.authenticator = authenticator;
      this.backlog = backlog;
    }

    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
      Services.securityRegistry().setAuthenticatorProvider(providerInput -> authenticator);
      Services.initializerRegistry().setClientInitializer(backlog);
      LastWills wills = backlog.lastWills();
      Services.interceptorRegistry().setConnectInboundInterceptorProvider(providerInput -> wills);
      Services.eventRegistry().setClientLifecycleEventListener(providerInput -> wills.connection());
    }

    @Override
    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
      // nothing to release
    }
  }
}
