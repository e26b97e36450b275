package io.fleet.device;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;

/** What the device tests share: a serializing local test system, settings, heartbeats and shortcuts. */
final class DeviceTesting {
  static final Config CONFIG = ConfigFactory.parseResources("device-test.conf")
      .withFallback(EventSourcedBehaviorTestKit.config())
      .withFallback(ConfigFactory.load())
      .resolve();

  /** The shipped defaults: sensor interval 30s, 3 missed, battery 20/25%, last seen journaled per 60s. */
  static final DeviceSettings DEFAULTS = settings("");

  private static final AtomicInteger IDS = new AtomicInteger();

  private DeviceTesting() {}

  static DeviceSettings settings(String overrides) {
    return DeviceSettings.fromConfig(ConfigFactory.parseString(overrides).withFallback(CONFIG.getConfig("fleet")));
  }

  static String newDeviceId() {
    return "dev-" + IDS.incrementAndGet();
  }

  static EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device(
      ActorTestKit testKit, String deviceId, DeviceSettings settings) {
    return device(testKit, deviceId, settings, Optional.empty());
  }

  static EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device(
      ActorTestKit testKit, String deviceId, DeviceSettings settings,
      Optional<ActorRef<ClusterSharding.ShardCommand>> shard) {
    return EventSourcedBehaviorTestKit.create(testKit.system(), Device.create(deviceId, settings, shard));
  }

  /** A heartbeat sent and received at {@code at}, saying nothing but that the device is alive. */
  static Heartbeat beat(Instant at) {
    return beat(at, null, null, null);
  }

  static Heartbeat beat(Instant at, Integer battery, String firmware, Integer intervalS) {
    return new Heartbeat(at, at, battery, -60, firmware, 1000L, intervalS, 0, null, null);
  }

  static CommandResultWithReply<Device.Command, DeviceEvent, DeviceState, StatusReply<Done>> send(
      EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device, Heartbeat heartbeat) {
    return device.runCommand(replyTo -> new Device.RecordHeartbeat(heartbeat, replyTo));
  }

  static CommandResultWithReply<Device.Command, DeviceEvent, DeviceState, StatusReply<Done>> status(
      EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device, boolean online, Instant at) {
    return device.runCommand(replyTo -> new Device.RecordStatus(online, at, replyTo));
  }

  static CommandResultWithReply<Device.Command, DeviceEvent, DeviceState, StatusReply<DeviceView>> register(
      EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device, DeviceRegistration registration) {
    return device.runCommand(replyTo -> new Device.Register(registration, replyTo));
  }

  /** Registers the device, hears it at {@code t0}, and its last will a second later: the offline alert's id. */
  static String withOfflineAlert(EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device, Instant t0) {
    register(device, new DeviceRegistration(DeviceType.CAMERA, "Porch", "h-1", "front door"));
    send(device, beat(t0));
    return eventOf(status(device, false, t0.plusSeconds(1)), DeviceEvent.AlertRaised.class).alert().alertId();
  }

  /** The one event of this type among the facts a command persisted ({@link DeviceEvent#facts}). */
  static <E extends DeviceEvent> E eventOf(
      EventSourcedBehaviorTestKit.CommandResult<Device.Command, DeviceEvent, DeviceState> result, Class<E> type) {
    List<E> found = result.events().stream().flatMap(e -> DeviceEvent.facts(e).stream())
        .filter(type::isInstance).map(type::cast).toList();
    if (found.size() != 1) throw new AssertionError("expected one " + type.getSimpleName() + " in " + result.events());
    return found.get(0);
  }

  static DeviceView view(EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device) {
    StatusReply<DeviceView> reply = device.<StatusReply<DeviceView>>runCommand(Device.Get::new).reply();
    return reply.getValue();
  }
}
