package io.fleet.device;

import io.fleet.infra.EntityAsks;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.pattern.StatusReply;

/**
 * Tells devices' sharded entities what their messages say, answered in types ({@link DeviceAnswer}). Two
 * kinds: {@link #patient} for streams that must neither lose a message nor stop at one (an entity that
 * does not answer is asked again with backoff for as long as it takes; one that fails on this command
 * while answering a probe, {@link Device.Get}, is given up on after {@code attempts}: {@link EntityAsks}),
 * and {@link #once} for a request someone waits for (one ask; no answer in time fails the stage). Holds
 * no state.
 */
public final class DeviceAsks {
  @FunctionalInterface
  private interface Ask {
    CompletionStage<DeviceAnswer> tell(String deviceId, Function<ActorRef<StatusReply<Done>>, Device.Command> command);
  }

  private final Ask ask;
  private final Lookup get;

  @FunctionalInterface
  private interface Lookup {
    CompletionStage<StatusReply<DeviceView>> view(String deviceId);
  }

  private DeviceAsks(Ask ask, Lookup get) {
    this.ask = ask;
    this.get = get;
  }

  /** Asks until the entity answers; gives up ({@link DeviceAnswer.Failing}) on an entity failing on this command alone. */
  public static DeviceAsks patient(ActorSystem<?> system, Duration askTimeout, int attempts) {
    EntityAsks<Device.Command> asks = new EntityAsks<>(system, Device.TYPE_KEY, askTimeout, attempts,
        device -> device.ask(Device.Get::new, askTimeout));
    ClusterSharding sharding = ClusterSharding.get(system);
    return new DeviceAsks((deviceId, command) -> asks.ask(deviceId, command).thenApply(answer -> answer
        .map(DeviceAsks::answer)
        .orElseGet(() -> new DeviceAnswer.Failing("device " + deviceId + " failed on this command " + attempts
            + " times while answering other requests"))),
        deviceId -> Patterns.retry(() -> sharding.entityRefFor(Device.TYPE_KEY, deviceId).ask(Device.Get::new, askTimeout),
            Integer.MAX_VALUE, Duration.ofMillis(200), Duration.ofSeconds(10), 0.2, system));
  }

  /** Asks once; the stage fails when no answer came within {@code askTimeout}. */
  public static DeviceAsks once(ActorSystem<?> system, Duration askTimeout) {
    ClusterSharding sharding = ClusterSharding.get(system);
    return new DeviceAsks((deviceId, command) -> sharding.entityRefFor(Device.TYPE_KEY, deviceId)
        .ask(command::apply, askTimeout)
        .thenApply(DeviceAsks::answer),
        deviceId -> sharding.entityRefFor(Device.TYPE_KEY, deviceId).ask(Device.Get::new, askTimeout));
  }

  /** Whether the device is registered (its entity answers with its view), asked as this kind asks. */
  public CompletionStage<Boolean> registered(String deviceId) {
    return get.view(deviceId).thenApply(StatusReply::isSuccess);
  }

  public CompletionStage<DeviceAnswer> tell(String deviceId, Function<ActorRef<StatusReply<Done>>, Device.Command> command) {
    return ask.tell(deviceId, command);
  }

  private static DeviceAnswer answer(StatusReply<Done> reply) {
    return DeviceRefused.of(reply).<DeviceAnswer>map(DeviceAnswer.Refused::new).orElse(DeviceAnswer.ACCEPTED);
  }
}
