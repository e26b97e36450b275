package io.fleet.agent.sim;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * HiveMQ CE in this JVM, in memory, on a free port of 127.0.0.1. Clients without a user name are let in (the
 * tests' subscribers); a client with one must use it as client id and give {@link #PASSWORDS}' password for it.
 */
final class EmbeddedHiveMq {

  /** The password the broker expects from each device. */
  static final Function<String, String> PASSWORDS = deviceId -> "pw-" + deviceId;

  private final Path home;
  private final int port;
  private EmbeddedHiveMQ broker;

  private EmbeddedHiveMq(Path home, int port) {
    this.home = home;
    this.port = port;
  }

  static EmbeddedHiveMq start() throws Exception {
    Path home = Files.createTempDirectory("embedded-hivemq");
    int port = freePort();
    Files.writeString(Files.createDirectories(home.resolve("conf")).resolve("config.xml"), """
        <?xml version="1.0"?>
        <hivemq>
          <listeners>
            <tcp-listener><port>%d</port><bind-address>127.0.0.1</bind-address></tcp-listener>
          </listeners>
          <persistence><mode>in-memory</mode></persistence>
          <anonymous-usage-statistics><enabled>false</enabled></anonymous-usage-statistics>
        </hivemq>
        """.formatted(port));
    EmbeddedHiveMq hivemq = new EmbeddedHiveMq(home, port);
    hivemq.startBroker();
    return hivemq;
  }

  private void startBroker() throws IOException {
    broker = EmbeddedHiveMQ.builder()
        .withConfigurationFolder(home.resolve("conf"))
        .withDataFolder(Files.createDirectories(home.resolve("data")))
        .withExtensionsFolder(Files.createDirectories(home.resolve("extensions")))
        .withEmbeddedExtension(EmbeddedExtension.builder()
            .withId("device-passwords")
            .withName("device passwords")
            .withVersion("1")
            .withAuthor("fleet")
            .withPriority(0)
            .withStartPriority(1000)
            .withExtensionMain(new DevicePasswords())
            .build())
        .withoutLoggingBootstrap()
        .build();
    broker.start().join();
  }

  String url() {
    return "tcp://127.0.0.1:" + port;
  }

  /**
   * Stops the broker and starts a new one on the same port (a stopped instance cannot start again: its metrics
   * stay registered). In memory, the new broker knows no sessions and no retained messages.
   */
  void restart() throws Exception {
    stop();
    startBroker();
  }

  void stop() throws Exception {
    broker.stop().join();
    broker.close();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static final class DevicePasswords implements ExtensionMain {

    @Override
    public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
      Services.securityRegistry().setAuthenticatorProvider(provider -> new SimpleAuthenticator() {
        @Override
        public void onConnect(SimpleAuthInput auth, SimpleAuthOutput result) {
          Optional<String> user = auth.getConnectPacket().getUserName();
          if (user.isEmpty()) {
            result.authenticateSuccessfully();
          } else if (user.get().equals(auth.getClientInformation().getClientId())
              && PASSWORDS.apply(user.get()).equals(password(auth))) {
            result.authenticateSuccessfully();
          } else {
            result.failAuthentication();
          }
        }
      });
    }

    @Override
    public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {}

    private static String password(SimpleAuthInput auth) {
      return auth.getConnectPacket().getPassword()
          .map(bytes -> StandardCharsets.UTF_8.decode(bytes.duplicate()).toString())
          .orElse(null);
    }
  }
}
