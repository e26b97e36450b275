package io.fleet.infra;

import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission.MqttActivity;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission.PermissionType;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.auth.ModifiableDefaultPermissions;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import io.fleet.credentials.DeviceCredentials;
import io.fleet.credentials.PasswordCheck;
import io.fleet.protocol.DeviceId;
import io.fleet.protocol.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates and authorizes every CONNECT to the embedded broker. Stateless: device passwords are
 * looked up in {@link DeviceCredentials} (the database) at each CONNECT, so a rotated or revoked password
 * is refused from the next CONNECT on, and nothing needs to survive a restart.
 *
 * <ul>
 *   <li>The service user (Fleet's ingress bridge and health probe): any client id; publish and subscribe
 *       to everything.
 *   <li>A device: user name = device id = client id, password = its current one ({@link DeviceCredentials});
 *       an unregistered or decommissioned device is refused; may publish to {@code fleet/{id}/#} and {@code owntracks/{id}/#} and subscribe to
 *       {@code fleet/{id}/#}. Everything else (also a will on another topic) is denied.
 * </ul>
 */
final class MqttAuthenticator implements SimpleAuthenticator {

  private static final Logger log = LoggerFactory.getLogger(MqttAuthenticator.class);

  private final DeviceCredentials devices;
  private final String serviceUser;
  private final byte[] servicePassword;

  MqttAuthenticator(DeviceCredentials devices, String serviceUser, String servicePassword) {
    this.devices = devices;
    this.serviceUser = serviceUser;
    this.servicePassword = servicePassword.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void onConnect(SimpleAuthInput input, SimpleAuthOutput output) {
    ConnectPacket connect = input.getConnectPacket();
    String clientId = connect.getClientId();
    String user = connect.getUserName().orElse("");
    String password = connect.getPassword().map(MqttAuthenticator::utf8).orElse("");
    ModifiableDefaultPermissions permissions = output.getDefaultPermissions();
    permissions.setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);

    if (user.equals(serviceUser)) {
      if (!MessageDigest.isEqual(servicePassword, password.getBytes(StandardCharsets.UTF_8))) {
        refuse(output, clientId, user, "wrong service password");
        return;
      }
      permissions.add(permission("#", MqttActivity.ALL));
      output.authenticateSuccessfully();
      return;
    }
    if (!DeviceId.isValid(user)) {
      refuse(output, clientId, user, "not a device id");
      return;
    }
    PasswordCheck check = devices.check(user, password);
    if (check instanceof PasswordCheck.Unavailable unavailable) {
      log.warn("MQTT connect of {} answered 'server unavailable': {}", user, unavailable.reason());
      output.failAuthentication(ConnackReasonCode.SERVER_UNAVAILABLE, "credentials unavailable, try again");
      return;
    }
    if (check instanceof PasswordCheck.Refused refused) {
      refuse(output, clientId, user, refused.reason());
      return;
    }
    if (!user.equals(clientId)) {
      log.info("MQTT connect refused: device {} used client id {}", user, clientId);
      output.failAuthentication(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID, "client id must equal the user name");
      return;
    }
    permissions.add(permission(Topics.allOf(user), MqttActivity.PUBLISH));
    permissions.add(permission(Topics.allOwnTracksOf(user), MqttActivity.PUBLISH));
    permissions.add(permission(Topics.allOf(user), MqttActivity.SUBSCRIBE));
    output.authenticateSuccessfully();
  }

  private static void refuse(SimpleAuthOutput output, String clientId, String user, String why) {
    log.info("MQTT connect refused for client {} user '{}': {}", clientId, user, why);
    output.failAuthentication(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "bad user name or password");
  }

  private static TopicPermission permission(String filter, MqttActivity activity) {
    return Builders.topicPermission()
        .topicFilter(filter)
        .activity(activity)
        .type(PermissionType.ALLOW)
        .build();
  }

  private static String utf8(ByteBuffer buffer) {
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
