package io.fleet.device;

import io.fleet.device.Device.Command;
import io.fleet.device.DeviceState.Vitals;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * A device entity's timers: "silence" runs while it is online (it goes offline when it fires late
 * enough); "passivate" always: while the device is online it parks the device once the entity has had nothing from
 * outside for {@code park-after}, otherwise it stops the entity once idle for {@code passivate-after} (its entity then
 * asks the shard to stop it). A message from outside only notes its time ({@link #touched}); the timer, when it fires,
 * re-arms itself for what is left ({@link #idleNow}), so the hot path costs no cancel and schedule. "motion-quiet" while
 * a motion episode is active and "clip-wait" while its alert waits for a clip. Timers die with the
 * entity; a recovered entity starts them again from its state.
 */
final class DeviceTimers {
  private static final String SILENCE = "silence";
  private static final String PASSIVATE = "passivate";
  private static final String MOTION_QUIET = "motion-quiet";
  private static final String CLIP_WAIT = "clip-wait";
  private static final String HELD_VIEWS = "held-views";
  /** How soon views held during a vitals catch-up are looked at again. */
  private static final Duration HELD_VIEWS_AGAIN = Duration.ofMillis(100);

  private final TimerScheduler<Command> timers;
  private final ActorContext<Command> ctx;
  private final Optional<ActorRef<ClusterSharding.ShardCommand>> shard;
  private final DeviceSettings settings;
  /** {@link System#nanoTime} of the last message from outside. */
  private long touchedAt = System.nanoTime();

  DeviceTimers(TimerScheduler<Command> timers, ActorContext<Command> ctx,
      Optional<ActorRef<ClusterSharding.ShardCommand>> shard, DeviceSettings settings) {
    this.timers = timers;
    this.ctx = ctx;
    this.shard = shard;
    this.settings = settings;
  }

  /** Views held while the device's partition catches up are looked at again shortly (one timer for all of them). */
  void showHeldViewsSoon() {
    if (!timers.isTimerActive(HELD_VIEWS)) timers.startSingleTimer(HELD_VIEWS, Device.ShowHeldViews.INSTANCE, HELD_VIEWS_AGAIN);
  }

  /** Online: wait a full silence window from now. Otherwise: wait to be idle. Either way the idle timer starts again. */
  void watch(DeviceState state, Vitals live) {
    if (state.online()) silenceFor(settings.silenceWindow(live.heartbeatIntervalS()));
    else timers.cancel(SILENCE);
    idleFrom(state);
  }

  /** A message from outside came: the entity is idle only once it has had none for a while (see {@link #idleNow}). */
  void touched(DeviceState state) {
    touchedAt = System.nanoTime();
    if (!timers.isTimerActive(PASSIVATE)) idleFrom(state);
  }

  /**
   * The idle timer fired: whether the entity has had nothing from outside for its idle time ({@code park-after} while
   * online, else {@code passivate-after}); if not, the timer is armed again for what is left. An online device with
   * parking off ({@code park-after = 0s}) never is.
   */
  boolean idleNow(DeviceState state) {
    Optional<Duration> after = idleAfter(state);
    if (after.isEmpty()) return false;
    long left = after.get().toNanos() - (System.nanoTime() - touchedAt);
    if (left <= 0) return true;
    timers.startSingleTimer(PASSIVATE, Device.IdleTimeout.INSTANCE, Duration.ofNanos(left));
    return false;
  }

  /** The idle timer starts again: an online device parks a full {@code park-after} from now, any other passivates later. */
  void idleFrom(DeviceState state) {
    idleAfter(state).ifPresentOrElse(after -> timers.startSingleTimer(PASSIVATE, Device.IdleTimeout.INSTANCE, after),
        () -> timers.cancel(PASSIVATE));
  }

  /**
   * How long the entity waits idle: {@code park-after} while online (no end with parking off), else
   * {@code passivate-after}.
   */
  private Optional<Duration> idleAfter(DeviceState state) {
    if (!state.online()) return Optional.of(settings.passivateAfter());
    return settings.parkAfter().isZero() ? Optional.empty() : Optional.of(settings.parkAfter());
  }

  /** After recovery: an online device gets a full window, and at least the restart grace, to be heard. */
  void watchAfterRecovery(DeviceState state, Vitals live) {
    watch(state, live);
    if (state.online()) silenceFor(settings.silenceWindowAfterRecovery(live.heartbeatIntervalS()));
  }

  void silenceFor(Duration left) {
    timers.startSingleTimer(SILENCE, Device.SilenceTimeout.INSTANCE, left);
  }

  /** Arms the motion timers for what the state says is pending: an active episode, an alert waiting for a clip. */
  void watchMotion(DeviceState state, MotionRules rules, Instant now) {
    MotionState motion = state.motion();
    if (motion.active()) {
      timers.startSingleTimer(MOTION_QUIET, Device.MotionQuietCheck.INSTANCE, atLeastZero(rules.quietLeft(motion, now)));
    } else {
      timers.cancel(MOTION_QUIET);
    }
    if (motion.waitingForClip()) {
      timers.startSingleTimer(CLIP_WAIT, Device.ClipWaitOver.INSTANCE, atLeastZero(rules.clipWaitLeft(motion, now)));
    } else {
      timers.cancel(CLIP_WAIT);
    }
  }

  private static Duration atLeastZero(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }

  /** Asks the shard to stop the entity; it then sends {@link Device.Stop}. Without a shard (tests), nothing. */
  void passivate() {
    shard.ifPresent(s -> s.tell(new ClusterSharding.Passivate<>(ctx.getSelf())));
  }

  /** Whether {@link #passivate} stops the entity (it runs in a shard). */
  boolean canPassivate() {
    return shard.isPresent();
  }
}
