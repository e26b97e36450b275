package io.fleet.api;

import io.fleet.device.Device;
import io.fleet.device.DeviceRegistration;
import io.fleet.device.DeviceType;
import io.fleet.device.DeviceView;
import io.fleet.ingest.DeviceTopic;
import io.fleet.readside.DevicePage;
import io.fleet.readside.DeviceQuery;
import io.fleet.runtime.FleetNode;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;

/**
 * {@code /api/devices}: the fleet list from the read side, one device live from its entity,
 * registration (which hands out the device's MQTT credentials) and decommissioning.
 */
final class DeviceRoutes extends AllDirectives {
  private final FleetNode node;
  private final ClusterSharding sharding;
  private final Duration askTimeout;
  private final Executor blocking;

  DeviceRoutes(FleetNode node) {
    this.node = node;
    this.sharding = ClusterSharding.get(node.system());
    this.askTimeout = node.ingestSettings().askTimeout();
    this.blocking = node.system().dispatchers().lookup(DispatcherSelector.blocking());
  }

  /** The body of {@code POST /api/devices}. */
  record RegisterDevice(String deviceId, String type, String name, String household, String location) {}

  /** What a newly registered device needs to connect. */
  record MqttCredentials(String url, String clientId, String username, String password, Map<String, String> topics) {}

  record RegisteredDevice(DeviceView device, MqttCredentials mqtt) {}

  Route routes(Principal principal) {
    return pathPrefix("devices", () -> concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> list(principal)),
            post(() -> entity(Json.unmarshaller(RegisterDevice.class), body -> register(principal, body))))),
        path(PathMatchers.segment(), id -> concat(
            get(() -> one(principal, id)),
            delete(() -> decommission(principal, id)))),
        path(PathMatchers.segment().slash("telemetry"), id -> get(() -> telemetry(principal, id)))));
  }

  private Route list(Principal principal) {
    return parameterOptional("status", status -> parameterOptional("type", type ->
        parameterOptional("household", household -> parameterOptional("q", q ->
            parameterOptional("limit", limit -> parameterOptional("cursor", cursor -> {
              DeviceQuery query = new DeviceQuery(status.filter(s -> !s.isBlank()), type.filter(s -> !s.isBlank()),
                  principal.scope().or(() -> household.filter(s -> !s.isBlank())), q.filter(s -> !s.isBlank()),
                  limit.map(l -> QueryParams.limit(l, DeviceQuery.MAX_LIMIT)).orElse(DeviceQuery.DEFAULT_LIMIT), Optional.empty());
              DeviceQuery paged = cursor.filter(c -> !c.isBlank()).map(DeviceRoutes::checkedCursor).map(query::withCursor).orElse(query);
              CompletionStage<DevicePage> page = ReadSideCalls.query(blocking, () -> node.directory().list(paged));
              return onSuccess(page, p -> completeOK(p, Json.marshaller()));
            }))))));
  }


  private static String checkedCursor(String cursor) {
    String lastDeviceId;
    try {
      lastDeviceId = DeviceQuery.decodeCursor(cursor);
    } catch (IllegalArgumentException e) {
      lastDeviceId = null;
    }
    // A cursor is the last device id of the page before: anything else was not handed out here.
    if (!DeviceTopic.isValidDeviceId(lastDeviceId)) throw new IllegalArgumentException("cursor is not one this API handed out");
    return cursor;
  }

  private Route one(Principal principal, String id) {
    if (!DeviceTopic.isValidDeviceId(id)) return notFound(id);
    CompletionStage<StatusReply<DeviceView>> reply =
        sharding.entityRefFor(Device.TYPE_KEY, id).ask(Device.Get::new, askTimeout);
    return onSuccess(reply, r -> r.isSuccess() && principal.maySee(r.getValue().household())
        ? completeOK(r.getValue(), Json.marshaller())
        : notFound(id));
  }

  private Route register(Principal principal, RegisterDevice body) {
    if (!principal.isOperator()) {
      return HttpApi.error(StatusCodes.FORBIDDEN, "forbidden", "only operators register devices");
    }
    if (!DeviceTopic.isValidDeviceId(body.deviceId())) {
      return HttpApi.error(StatusCodes.BAD_REQUEST, "invalid device id",
          "deviceId must be 1-128 letters, digits, '.', '-' or '_'");
    }
    Optional<DeviceType> type = Optional.ofNullable(body.type()).flatMap(DeviceType::parse);
    if (type.isEmpty()) {
      return HttpApi.error(StatusCodes.BAD_REQUEST, "invalid device type", "type must be camera, sensor or tracker");
    }
    DeviceRegistration registration = new DeviceRegistration(type.get(),
        Optional.ofNullable(body.name()).orElse(body.deviceId()), body.household(), body.location());
    CompletionStage<StatusReply<DeviceView>> reply = sharding.entityRefFor(Device.TYPE_KEY, body.deviceId())
        .ask(replyTo -> new Device.Register(registration, replyTo), askTimeout);
    return onSuccess(reply, r -> r.isError()
        ? HttpApi.error(StatusCodes.CONFLICT, "registration refused", r.getError().getMessage())
        : complete(StatusCodes.CREATED, new RegisteredDevice(r.getValue(), credentials(body.deviceId())), Json.marshaller()));
  }

  /** A sensor's last readings from its entity's memory (see {@code RecentReadings}), scoped like the device. */
  private Route telemetry(Principal principal, String id) {
    if (!DeviceTopic.isValidDeviceId(id)) return notFound(id);
    CompletionStage<StatusReply<Device.TelemetryView>> reply =
        sharding.entityRefFor(Device.TYPE_KEY, id).ask(Device.GetTelemetry::new, askTimeout);
    return onSuccess(reply, r -> r.isSuccess() && principal.maySee(r.getValue().household())
        ? completeOK(r.getValue().series(), Json.marshaller())
        : notFound(id));
  }

  /**
   * Takes a device out of the fleet (operators only): its open alerts are cleared by the operator, it
   * leaves the fleet list, and what it still sends is dead-lettered as from an unknown device until it is
   * registered again. Its history stays searchable.
   */
  private Route decommission(Principal principal, String id) {
    if (!principal.isOperator()) {
      return HttpApi.error(StatusCodes.FORBIDDEN, "forbidden", "only operators decommission devices");
    }
    if (!DeviceTopic.isValidDeviceId(id)) return notFound(id);
    CompletionStage<StatusReply<org.apache.pekko.Done>> reply = sharding.entityRefFor(Device.TYPE_KEY, id)
        .ask(replyTo -> new Device.Decommission(principal.name(), replyTo), askTimeout);
    return onSuccess(reply, r -> r.isSuccess() ? complete(StatusCodes.NO_CONTENT) : notFound(id));
  }

  private MqttCredentials credentials(String deviceId) {
    return new MqttCredentials(node.endpoints().mqttUrl(), deviceId, deviceId,
        node.infrastructure().deviceCredentials().passwordFor(deviceId),
        Map.of("heartbeat", "fleet/" + deviceId + "/heartbeat",
            "status", "fleet/" + deviceId + "/status",
            "telemetry", "fleet/" + deviceId + "/telemetry",
            "motion", "fleet/" + deviceId + "/motion"));
  }

  private Route notFound(String id) {
    return HttpApi.error(StatusCodes.NOT_FOUND, "unknown device", "no device '" + id + "'");
  }
}
