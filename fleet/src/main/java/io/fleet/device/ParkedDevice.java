package io.fleet.device;

import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.pattern.StatusReply;

/**
 * What sharding starts for a device parked on this node ({@link SteadyHeartbeats}) when something is sent to it: a
 * view ({@link Device.Get}) is answered from the device's row, which holds its state as its entity last armed it and
 * the newest vitals taken since, and the front asks its shard to stop it again at once, so an operator or dashboard
 * looking at parked devices costs no journal recovery and leaves them parked. Anything else (a heartbeat the row
 * cannot take, a status, a motion report, the row handing a silent device back) starts the device's entity, which
 * gets the message as its first. A device not parked here gets its entity straight away.
 *
 * <p>State: none of its own; the row is the node's, in memory ({@link SteadyHeartbeats} says how it survives).
 */
final class ParkedDevice {
  private ParkedDevice() {}

  /** The front for {@code deviceId} if it is parked here now, else {@code entity}. */
  static Behavior<Device.Command> orEntity(String deviceId, DeviceSettings settings,
      ActorRef<ClusterSharding.ShardCommand> shard, Behavior<Device.Command> entity) {
    return Behaviors.setup(ctx -> {
      SteadyHeartbeats steady = SteadyHeartbeats.get(ctx.getSystem());
      if (!steady.parked(deviceId)) return entity;
      return Behaviors.<Device.Command>withStash(1, stash -> Behaviors.receive(Device.Command.class)
          .onMessage(Device.Get.class, get -> {
            Optional<DeviceView> view = steady.parkedView(deviceId, settings);
            if (view.isEmpty()) return start(stash, get, entity); // handed back meanwhile
            get.replyTo().tell(StatusReply.success(view.get()));
            shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
            return Behaviors.same();
          })
          .onMessageEquals(Device.Stop.INSTANCE, Behaviors::stopped)
          .onAnyMessage(other -> start(stash, other, entity))
          .build());
    });
  }

  private static Behavior<Device.Command> start(StashBuffer<Device.Command> stash, Device.Command first,
      Behavior<Device.Command> entity) {
    stash.stash(first);
    return stash.unstashAll(entity);
  }
}
