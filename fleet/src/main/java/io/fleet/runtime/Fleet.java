package io.fleet.runtime;

import io.fleet.access.ApiTokens;
import io.fleet.alerts.AlertFeed;
import io.fleet.credentials.DeviceCredentials;
import io.fleet.device.AlertAnswer;
import io.fleet.device.Device;
import io.fleet.device.DeviceAsks;
import io.fleet.device.DeviceRegistration;
import io.fleet.device.DeviceView;
import io.fleet.infra.BrokerAccountUnavailable;
import io.fleet.infra.Endpoints;
import io.fleet.media.ClipGateway;
import io.fleet.readside.AlertSearch;
import io.fleet.readside.ClipTable;
import io.fleet.readside.DeviceDirectory;
import io.fleet.readside.EventSearch;
import io.fleet.readside.LocationTable;
import io.fleet.readside.RaceStore;
import io.fleet.readside.ReadModelRebuild;
import io.fleet.retention.DeviceEraser;
import io.fleet.telemetry.TelemetryHistory;
import io.fleet.telemetry.TelemetrySettings;
import io.fleet.telemetry.TelemetryStore;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.pattern.StatusReply;

/**
 * The fleet as the HTTP API reaches it, and nothing more: devices asked with the API's own timeout
 * ({@code fleet.http.ask-timeout}; no answer in time fails the stage, which the API answers 503), the
 * read side's queries, the clip gateway (S3 first), the live alert feed, health, and the blocking
 * executor for database calls. Built once per node by {@link FleetNode#api()}; holds references only.
 */
public final class Fleet {
  private final FleetNode node;
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final Executor blocking;
  private final ClipGateway clips;
  private final DeviceDirectory directory;
  private final EventSearch events;
  private final AlertSearch alerts;
  private final ClipTable clipTable;
  private final LocationTable locations;
  private final RaceStore races;
  private final ApiTokens tokens;
  private final TelemetryHistory telemetry;

  Fleet(FleetNode node, DataSource dataSource) {
    this.node = node;
    ActorSystem<?> system = node.system();
    this.sharding = ClusterSharding.get(system);
    this.askTimeout = system.settings().config().getDuration("fleet.http.ask-timeout");
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    // An HTTP request waits for its answer: one ask, not the ingest's patient retries.
    this.clips = new ClipGateway(system, node.clips(), DeviceAsks.once(system, askTimeout));
    this.directory = node.directory();
    this.events = new EventSearch(dataSource);
    this.alerts = new AlertSearch(dataSource);
    this.clipTable = new ClipTable(dataSource);
    this.locations = new LocationTable(dataSource);
    this.races = new RaceStore(dataSource);
    this.tokens = new ApiTokens(dataSource);
    this.telemetry = new TelemetryHistory(dataSource);
  }

  public ActorSystem<?> system() {
    return node.system();
  }

  /** Where the API runs its database queries (they block). */
  public Executor blocking() {
    return blocking;
  }

  public CompletionStage<StatusReply<DeviceView>> device(String deviceId) {
    return sharding.entityRefFor(Device.TYPE_KEY, deviceId).ask(Device.Get::new, askTimeout);
  }

  /** A device as registered, with the password it connects with when the operator is to be given one. */
  public record Registration(DeviceView device, Optional<String> password) {}

  /**
   * Registers the device and issues its password if it has none (see {@link DeviceCredentials#onRegistered});
   * on an external Mosquitto whose accounts Fleet keeps, answers once the device's account has that password
   * too (else fails with {@link BrokerAccountUnavailable}; registering again is harmless).
   */
  public CompletionStage<StatusReply<Registration>> register(String deviceId, DeviceRegistration registration) {
    CompletionStage<StatusReply<DeviceView>> registered =
        sharding.entityRefFor(Device.TYPE_KEY, deviceId).ask(r -> new Device.Register(registration, r), askTimeout);
    return registered.thenCompose(reply -> {
      if (reply.isError()) return CompletableFuture.completedFuture(StatusReply.error(reply.getError()));
      return blockingly(() -> credentials().onRegistered(deviceId))
          .thenCompose(password -> password.map(p -> brokerAccount(deviceId, p)).orElseGet(Fleet::done)
              .thenApply(done -> StatusReply.success(new Registration(reply.getValue(), password))));
    });
  }

  /**
   * A new password for a registered device (the old one stops working, and a client still connected with it
   * is disconnected); an unknown or decommissioned device is refused as unknown.
   */
  public CompletionStage<StatusReply<DeviceCredentials.IssuedPassword>> rotatePassword(String deviceId) {
    return device(deviceId).thenCompose(reply -> {
      if (reply.isError()) return CompletableFuture.completedFuture(StatusReply.error(reply.getError()));
      return blockingly(() -> credentials().rotate(deviceId))
          .thenCompose(issued -> brokerAccount(deviceId, issued.password())
              .thenCompose(done -> disconnectEmbedded(deviceId))
              .thenApply(done -> StatusReply.success(issued)));
    });
  }

  /**
   * Decommissions the device: its password is revoked and, on an external Mosquitto whose accounts Fleet
   * keeps, its account removed (disconnecting it) before the entity hears of it, so a device never keeps a
   * way in after it left the fleet; on the embedded broker its client is disconnected.
   */
  public CompletionStage<StatusReply<Done>> decommission(String deviceId, String who) {
    return revoke(deviceId).thenCompose(gone ->
        sharding.entityRefFor(Device.TYPE_KEY, deviceId).ask(r -> new Device.Decommission(who, r), askTimeout));
  }

  private CompletionStage<Void> revoke(String deviceId) {
    CompletionStage<Void> accountGone = node.infrastructure().mosquittoAccounts()
        .map(a -> a.removeDevice(deviceId).exceptionally(failure -> {
          throw new BrokerAccountUnavailable(deviceId, failure);
        }))
        .orElseGet(Fleet::done);
    return accountGone.thenCompose(gone -> blockingly(() -> {
      credentials().revoke(deviceId);
      return null;
    })).thenCompose(revoked -> disconnectEmbedded(deviceId));
  }

  private CompletionStage<Void> brokerAccount(String deviceId, String password) {
    return node.infrastructure().mosquittoAccounts()
        .map(a -> a.addDevice(deviceId, password).exceptionally(failure -> {
          throw new BrokerAccountUnavailable(deviceId, failure);
        }))
        .orElseGet(Fleet::done);
  }

  private CompletionStage<Void> disconnectEmbedded(String deviceId) {
    return node.infrastructure().embeddedBroker().map(b -> (CompletionStage<Void>) b.disconnect(deviceId))
        .orElseGet(Fleet::done);
  }

  private <T> CompletionStage<T> blockingly(BlockingCall<T> call) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return call.call();
      } catch (SQLException e) {
        throw new CompletionException(e);
      }
    }, blocking);
  }

  @FunctionalInterface
  private interface BlockingCall<T> {
    T call() throws SQLException;
  }

  private static CompletionStage<Void> done() {
    return CompletableFuture.completedFuture(null);
  }

  /** Erases the device now: its password (revoked), clips, history, summary and journal (see {@link DeviceEraser}). */
  public CompletionStage<DeviceEraser.Erasure> erase(String deviceId, String who) {
    return revoke(deviceId).thenCompose(revoked -> node.eraser().erase(deviceId, who));
  }

  /** Acknowledges or clears one of a device's alerts ({@code command}: {@link Device.AcknowledgeAlert} or {@link Device.ClearAlert}). */
  public CompletionStage<StatusReply<AlertAnswer>> alertAction(String deviceId,
      Function<ActorRef<StatusReply<AlertAnswer>>, Device.Command> command) {
    return sharding.entityRefFor(Device.TYPE_KEY, deviceId).ask(command::apply, askTimeout);
  }

  /** Clips: the bucket, its checks, and the road by which devices hear of them (answers within the ask timeout). */
  public ClipGateway clips() {
    return clips;
  }

  /** Every device's MQTT password (also what a device's clip upload is checked against). */
  public DeviceCredentials credentials() {
    return node.infrastructure().deviceCredentials();
  }

  public Endpoints endpoints() {
    return node.endpoints();
  }

  public DeviceDirectory directory() {
    return directory;
  }

  public EventSearch events() {
    return events;
  }

  public AlertSearch alerts() {
    return alerts;
  }

  public ClipTable clipTable() {
    return clipTable;
  }

  /** Stored telemetry: series over any range, and export. */
  public TelemetryHistory telemetry() {
    return telemetry;
  }

  /** Writes telemetry history; here, to rebuild a device's rollups. */
  public TelemetryStore telemetryStore() {
    return node.telemetryStore();
  }

  public TelemetrySettings telemetrySettings() {
    return node.telemetrySettings();
  }

  public LocationTable locations() {
    return locations;
  }

  public RaceStore races() {
    return races;
  }

  public ApiTokens tokens() {
    return tokens;
  }

  public AlertFeed alertFeed() {
    return node.alertFeed();
  }

  public Health health() {
    return node.health();
  }

  /** Rebuilds the read side from the journal; completes with what it did, step by step. */
  public CompletionStage<List<String>> rebuildReadModel() {
    return ReadModelRebuild.start(node.system(), node.infrastructure().database().dataSource(),
        node.deviceSettings().tagCount());
  }
}
