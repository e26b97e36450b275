package io.fleet.api;

import io.fleet.access.Principal;
import io.fleet.device.DeviceRefused;
import io.fleet.device.DeviceRegistration;
import io.fleet.device.DeviceType;
import io.fleet.device.DeviceView;
import io.fleet.protocol.DeviceId;
import io.fleet.protocol.Topics;
import io.fleet.readside.DevicePage;
import io.fleet.readside.DeviceQuery;
import io.fleet.runtime.Fleet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /api/devices}: the fleet list from the read side, one device live from its entity,
 * registration (which hands out the device's MQTT credentials), password rotation, decommissioning and
 * erasing.
 */
final class DeviceRoutes extends AllDirectives {
  private final Fleet fleet;
  private final Executor blocking;

  DeviceRoutes(Fleet fleet) {
    this.fleet = fleet;
    this.blocking = fleet.blocking();
  }

  /** The body of {@code POST /api/devices}. */
  record RegisterDevice(String deviceId, String type, String name, String household, String location) {}

  /**
   * What a newly registered device needs to connect. {@code password} is null when registering again left
   * the device's current password as it was (it is shown only when issued: rotate it for a new one).
   */
  record MqttCredentials(String url, String clientId, String username, String password, Map<String, String> topics) {}

  record RegisteredDevice(DeviceView device, MqttCredentials mqtt) {}

  Route routes(Principal principal) {
    return pathPrefix("devices", () -> concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> list(principal)),
            post(() -> Json.body(RegisterDevice.class, body -> register(principal, body))))),
        path(PathMatchers.segment(), id -> concat(
            get(() -> one(principal, id)),
            delete(() -> parameterOptional("erase", erase -> erase.filter("true"::equals).isPresent()
                ? erase(principal, id)
                : decommission(principal, id))))),
        path(PathMatchers.segment().slash("credentials"), id -> post(() -> rotate(principal, id)))));
  }

  private Route list(Principal principal) {
    return parameterOptional("status", status -> parameterOptional("type", type ->
        parameterOptional("household", household -> parameterOptional("q", q ->
            parameterOptional("limit", limit -> parameterOptional("cursor", cursor -> {
              DeviceQuery query = new DeviceQuery(status.filter(s -> !s.isBlank()), type.filter(s -> !s.isBlank()),
                  principal.scope().or(() -> household.filter(s -> !s.isBlank())), q.filter(s -> !s.isBlank()),
                  limit.map(l -> QueryParams.limit(l, DeviceQuery.MAX_LIMIT)).orElse(DeviceQuery.DEFAULT_LIMIT), Optional.empty());
              DeviceQuery paged = cursor.filter(c -> !c.isBlank()).map(DeviceRoutes::checkedCursor).map(query::withCursor).orElse(query);
              CompletionStage<DevicePage> page = BlockingQueries.query(blocking, () -> fleet.directory().list(paged));
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
    if (!DeviceId.isValid(lastDeviceId)) throw new IllegalArgumentException("cursor is not one this API handed out");
    return cursor;
  }

  private Route one(Principal principal, String id) {
    if (!DeviceId.isValid(id)) return notFound(id);
    return onSuccess(fleet.device(id), r -> r.isSuccess() && principal.maySee(r.getValue().household())
        ? completeOK(r.getValue(), Json.marshaller())
        : notFound(id));
  }

  private Route register(Principal principal, RegisterDevice body) {
    if (!principal.isOperator()) {
      return HttpApi.error(StatusCodes.FORBIDDEN, "forbidden", "only operators register devices");
    }
    if (!DeviceId.isValid(body.deviceId())) {
      return HttpApi.error(StatusCodes.BAD_REQUEST, "invalid device id",
          "deviceId must be 1-128 letters, digits, '.', '-' or '_'");
    }
    String bridge = fleet.system().settings().config().getString("fleet.mqtt.client-id");
    if (body.deviceId().equals(bridge) || body.deviceId().startsWith(bridge + "-")) {
      // A device's MQTT client id is its id: this one would take over the ingress bridge's session.
      return HttpApi.error(StatusCodes.UNPROCESSABLE_ENTITY, "reserved device id",
          "'" + body.deviceId() + "' is the MQTT client id of Fleet's ingress bridge");
    }
    Optional<DeviceType> type = Optional.ofNullable(body.type()).flatMap(DeviceType::parse);
    if (type.isEmpty()) {
      return HttpApi.error(StatusCodes.BAD_REQUEST, "invalid device type", "type must be camera, sensor or tracker");
    }
    DeviceRegistration registration = new DeviceRegistration(type.get(),
        Optional.ofNullable(body.name()).orElse(body.deviceId()), body.household(), body.location());
    return onSuccess(fleet.register(body.deviceId(), registration), r -> r.isError()
        ? HttpApi.refused(DeviceRefused.of(r.getError()))
        : complete(StatusCodes.CREATED, new RegisteredDevice(r.getValue().device(),
            credentials(body.deviceId(), r.getValue().password().orElse(null))), Json.marshaller()));
  }

  /**
   * A new MQTT password for a registered device (operators only), answered once: the old one stops working
   * at once and a client still connected with it is disconnected. Unknown or decommissioned: 404.
   */
  private Route rotate(Principal principal, String id) {
    if (!principal.isOperator()) {
      return HttpApi.error(StatusCodes.FORBIDDEN, "forbidden", "only operators rotate device passwords");
    }
    if (!DeviceId.isValid(id)) return notFound(id);
    return onSuccess(fleet.rotatePassword(id), r -> r.isError()
        ? HttpApi.refused(DeviceRefused.of(r.getError()))
        : complete(StatusCodes.CREATED, new RotatedPassword(r.getValue().version(), credentials(id, r.getValue().password())),
            Json.marshaller()));
  }

  /** The answer to a rotation: the new password's version (1 for the first issued) and how to connect with it. */
  record RotatedPassword(int version, MqttCredentials mqtt) {}

  /**
   * Takes a device out of the fleet (operators only): its open alerts are cleared by the operator, it
   * leaves the fleet list, and what it still sends is dead-lettered as from an unknown device until it is
   * registered again. Its history stays searchable.
   */
  private Route decommission(Principal principal, String id) {
    if (!principal.isOperator()) {
      return HttpApi.error(StatusCodes.FORBIDDEN, "forbidden", "only operators decommission devices");
    }
    if (!DeviceId.isValid(id)) return notFound(id);
    return onSuccess(fleet.decommission(id, principal.name()),
        r -> r.isSuccess() ? complete(StatusCodes.NO_CONTENT) : HttpApi.refused(DeviceRefused.of(r.getError())));
  }

  /**
   * Erases a device now (operators only): its clips, events, fixes, alerts, summary and journal are removed,
   * answered with how many of each. Unlike a decommission nothing of it stays; a device that keeps sending
   * starts a new history. Done again by calling again (an erase cut short answers 503).
   */
  private Route erase(Principal principal, String id) {
    if (!principal.isOperator()) {
      return HttpApi.error(StatusCodes.FORBIDDEN, "forbidden", "only operators erase devices");
    }
    if (!DeviceId.isValid(id)) return notFound(id);
    return onSuccess(fleet.erase(id, principal.name()), erasure -> completeOK(erasure, Json.marshaller()));
  }

  private MqttCredentials credentials(String deviceId, String password) {
    return new MqttCredentials(fleet.endpoints().mqttPublicUrlFor(deviceId), deviceId, deviceId, password,
        Map.of("heartbeat", Topics.heartbeat(deviceId),
            "status", Topics.status(deviceId),
            "telemetry", Topics.telemetry(deviceId),
            "motion", Topics.motion(deviceId)));
  }

  private Route notFound(String id) {
    return HttpApi.error(StatusCodes.NOT_FOUND, "unknown device", "no device '" + id + "'");
  }
}
