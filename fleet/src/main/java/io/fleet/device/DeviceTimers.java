package io.fleet.device;

import io.fleet.device.Device.Command;
import io.fleet.device.DeviceState.Vitals;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * A device entity's two timers: "silence" runs while it is online (it goes offline when it fires late
 * enough), "passivate" while it is not (its entity then asks the shard to stop it). Timers die with the
 * entity; a recovered entity starts them again from its state.
 */
final class DeviceTimers {
  private static final String SILENCE = "silence";
  private static final String PASSIVATE = "passivate";

  private final TimerScheduler<Command> timers;
  private final ActorContext<Command> ctx;
  private final Optional<ActorRef<ClusterSharding.ShardCommand>> shard;
  private final DeviceSettings settings;

  DeviceTimers(TimerScheduler<Command> timers, ActorContext<Command> ctx,
      Optional<ActorRef<ClusterSharding.ShardCommand>> shard, DeviceSettings settings) {
    this.timers = timers;
    this.ctx = ctx;
    this.shard = shard;
    this.settings = settings;
  }

  /** Online: wait a full silence window from now. Otherwise: wait to be idle. */
  void watch(DeviceState state, Vitals live) {
    if (state.online()) {
      timers.cancel(PASSIVATE);
      silenceFor(settings.silenceWindow(live.heartbeatIntervalS()));
    } else {
      timers.cancel(SILENCE);
      keepAwake();
    }
  }

  /** After recovery: an online device gets a full window, and at least the restart grace, to be heard. */
  void watchAfterRecovery(DeviceState state, Vitals live) {
    watch(state, live);
    if (state.online()) silenceFor(settings.silenceWindowAfterRecovery(live.heartbeatIntervalS()));
  }

  void silenceFor(Duration left) {
    timers.startSingleTimer(SILENCE, Device.SilenceTimeout.INSTANCE, left);
  }

  /** Postpones passivation by a full {@code passivate-after}. */
  void keepAwake() {
    timers.startSingleTimer(PASSIVATE, Device.IdleTimeout.INSTANCE, settings.passivateAfter());
  }

  /** Asks the shard to stop the entity; it then sends {@link Device.Stop}. Without a shard (tests), nothing. */
  void passivate() {
    shard.ifPresent(s -> s.tell(new ClusterSharding.Passivate<>(ctx.getSelf())));
  }
}
