package io.fleet.infra;

import com.hivemq.extension.sdk.api.events.client.ClientLifecycleEventListener;
import com.hivemq.extension.sdk.api.events.client.parameters.AuthenticationFailedInput;
import com.hivemq.extension.sdk.api.events.client.parameters.AuthenticationSuccessfulInput;
import com.hivemq.extension.sdk.api.events.client.parameters.ClientInitiatedDisconnectInput;
import com.hivemq.extension.sdk.api.events.client.parameters.ConnectionStartInput;
import com.hivemq.extension.sdk.api.events.client.parameters.DisconnectEventInput;
import com.hivemq.extension.sdk.api.interceptor.connect.ConnectInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.connect.parameter.ConnectInboundInput;
import com.hivemq.extension.sdk.api.interceptor.connect.parameter.ConnectInboundOutput;
import com.hivemq.extension.sdk.api.packets.connect.WillPublishPacket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Keeps a device's last will in its place among the device's messages while the {@link DirectRoute} is open. The
 * broker publishes a will itself, past the publish interceptors, so it takes the ingress bridge's queue; a device that
 * comes back at once (a new connection taking its session over, the old one's will published as it goes) would
 * otherwise have its next messages taken directly, ahead of that will, and be shown offline while it is back. So the
 * route goes back to queueing whenever a will is on its way: when a device whose live connection has a will connects
 * again (before the broker takes the old connection over and publishes the will), and when a connection with a will
 * ends other than by the device's own DISCONNECT or a refused login (the broker publishes the will then). The route
 * opens again once the bridge has written what queued, the will among it.
 *
 * <p>State, in memory only: how many live (authenticated) connections of each device have a will on a bridge topic.
 * After a restart there are none (every device reconnects, its old connection gone with the broker).
 */
final class LastWills implements ConnectInboundInterceptor {
  private final DirectRoute route;
  private final Predicate<String> isBridge;
  private final Predicate<String> forBridge;
  private final Runnable queuedOne;
  /** Live connections with a will, per device; a device with none has no entry. */
  private final Map<String, Integer> withWill = new ConcurrentHashMap<>();

  /**
   * {@code isBridge}: whether a client id is the bridge's; {@code forBridge}: whether a topic is one it reads;
   * {@code queuedOne}: counts a will in the bridge's backlog.
   */
  LastWills(DirectRoute route, Predicate<String> isBridge, Predicate<String> forBridge, Runnable queuedOne) {
    this.route = route;
    this.queuedOne = queuedOne;
    this.isBridge = isBridge;
    this.forBridge = forBridge;
  }

  /** Runs before the broker handles a CONNECT, so before it takes an old connection of the same client over. */
  @Override
  public void onConnect(ConnectInboundInput input, ConnectInboundOutput output) {
    String clientId = input.getClientInformation().getClientId();
    if (!isBridge.test(clientId) && withWill.containsKey(clientId)) {
      route.queuedNow("a device reconnects and its old connection's last will takes the queue");
    }
  }

  /** One connection's lifecycle: counts its will while it lives, and closes the route when the broker publishes it. */
  ClientLifecycleEventListener connection() {
    return new ClientLifecycleEventListener() {
      /** The device, while this connection has a will on a bridge topic (counted once it is authenticated). */
      private volatile String willOf;
      private volatile boolean counted;

      @Override
      public void onMqttConnectionStart(ConnectionStartInput input) {
        String clientId = input.getClientInformation().getClientId();
        boolean will = input.getConnectPacket().getWillPublish().map(WillPublishPacket::getTopic)
            .filter(forBridge).isPresent();
        if (will && !isBridge.test(clientId)) willOf = clientId;
      }

      /** Only an accepted connection can be taken over, or have its will published. */
      @Override
      public void onAuthenticationSuccessful(AuthenticationSuccessfulInput input) {
        String clientId = willOf;
        if (clientId == null) return;
        counted = true;
        withWill.merge(clientId, 1, Integer::sum);
      }

      /** Refused: it never was connected, and the broker publishes no will for it. */
      @Override
      public void onAuthenticationFailedDisconnect(AuthenticationFailedInput input) {
        ended(false);
      }

      /** The device said goodbye: MQTT discards its will. */
      @Override
      public void onClientInitiatedDisconnect(ClientInitiatedDisconnectInput input) {
        ended(false);
      }

      /** Lost, taken over or closed by the broker: the broker publishes the will now. */
      @Override
      public void onDisconnect(DisconnectEventInput input) {
        ended(true);
      }

      private void ended(boolean willPublished) {
        String clientId = willOf;
        if (clientId == null || !counted) return;
        willOf = null;
        counted = false;
        withWill.computeIfPresent(clientId, (id, n) -> n > 1 ? n - 1 : null);
        if (willPublished) {
          queuedOne.run();
          route.queuedNow("a device's connection ended and its last will takes the queue");
        }
      }
    };
  }
}
