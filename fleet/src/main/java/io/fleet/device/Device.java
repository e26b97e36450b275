package io.fleet.device;

import io.fleet.CborSerializable;
import io.fleet.device.DeviceEvent.CameOnline;
import io.fleet.device.DeviceEvent.Registered;
import io.fleet.device.DeviceEvent.WentOffline;
import io.fleet.device.DeviceState.Vitals;
import io.fleet.infra.IngestProgress;
import io.fleet.metrics.FleetMetrics;
import io.fleet.tracking.Fix;
import io.fleet.tracking.Region;
import io.fleet.tracking.RegionTransition;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.external.ExternalShardAllocationStrategy;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One device, sharded by device id and event sourced: its registration and health. Transitions (came
 * online, went offline, battery low, firmware) are journaled; the latest heartbeat's values live in
 * memory ({@code live}) and reach the journal with the next transition or at most once per
 * {@code last-seen-persist-interval}, so after a crash or rebalance last seen may lag by that much. An online
 * device's heartbeats that would change nothing are taken on this node without a message here
 * ({@link SteadyHeartbeats}, armed after every message with the state they are judged by); the entity folds what
 * was taken there into {@code live} before it handles anything, and its silence timer, finding the device heard
 * since it was set, waits on from the last heartbeat taken.
 *
 * <p>Offline detection is a timer: an online device that stays silent for {@code offline-after-missed}
 * heartbeat intervals goes offline — once Fleet has handled everything the device's broker took before that
 * deadline ({@link IngestProgress}): while the ingest path itself is behind, the judgment waits (at most
 * {@code offline-hold-max}). A recovered online device gets a full window, since it was the node
 * that was away, not the device. Shards remember entities, so running online devices come back after a crash;
 * an offline or unknown device asks its shard to passivate it once idle for {@code passivate-after},
 * unless a motion episode is active or an alert waits for its clip.
 *
 * <p>An online device whose entity has had nothing to do for {@code park-after} is parked
 * ({@link SteadyHeartbeats#park}): the entity stops and its node's row keeps the device's liveness; the row hands a
 * silent device back ({@link LookAtSilence}) and anything else the device sends starts the entity again. A parked
 * entity is not remembered; one whose node died is found by the read side's sweep of online devices unheard for long.
 *
 * <p>Motion ({@link MotionRules}) and alerts ({@link AlertRules}) are journaled as facts: motion
 * started/continued/ended, clip stored, alert raised/updated. Telemetry is judged by the device's anomaly
 * model ({@link TelemetryRules}), which lives in memory and is journaled every so many readings. An alert
 * is only journaled here; the
 * {@code AlertPublisher} projection publishes it from the journal, so a crash after the persist
 * publishes it on restart, under its deterministic id.
 *
 * <p>A tracker's OwnTracks messages are journaled as its fixes, its regions and the transitions across
 * their borders; the state keeps the regions and the recent transitions, so the same regions again or a
 * redelivered transition journal nothing.
 *
 * <p>A decommissioned device ({@link Decommission}) clears its open alerts and forgets everything else;
 * until an operator registers it again, whatever it sends is refused as from an unknown device. An erased
 * one ({@link Erase}) is empty again, as if it never existed, and its journal is deleted up to the erase.
 *
 * <p>The journal is kept short ({@link JournalRetention}): a snapshot every so many events, and events
 * older than the oldest kept snapshot deleted; recovery starts from the snapshot.
 */
public final class Device extends EventSourcedBehaviorWithEnforcedReplies<Device.Command, DeviceEvent, DeviceState> {

  public static final EntityTypeKey<Command> TYPE_KEY = EntityTypeKey.create(Command.class, "Device");

  public sealed interface Command extends CborSerializable {}

  public record Register(DeviceRegistration registration, ActorRef<StatusReply<DeviceView>> replyTo)
      implements Command {}

  public record RecordHeartbeat(Heartbeat heartbeat, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /**
   * A heartbeat this device's entity may have handled already, elsewhere: the node that consumed its partition
   * before may have died after taking it into memory and before journaling its values, so the consumer that took
   * the partition over reads its recent records again ({@code VitalsCatchUp}). Taken into the live vitals only if
   * the device is online and the heartbeat is newer than any the entity knows — never a transition, an alert or a
   * journal write (its health was judged when it first arrived) — so that the device is not shown back in time.
   */
  public record RecoverVitals(Heartbeat heartbeat, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** From {@code fleet/{id}/status}: online=true for "online", false for "offline" (the last will). */
  public record RecordStatus(boolean online, Instant receivedAt, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<DeviceView>> replyTo) implements Command {}

  /**
   * A motion event with the clip it names when that is stored and checked already ({@code clip}, else
   * null): the clip is taken first, so the episode's alert goes out with it at once. Answered once what
   * it caused is persisted (a redelivered event id causes nothing). See {@code media.ClipGateway}.
   */
  public record RecordMotion(MotionReport report, StoredClip clip, ActorRef<StatusReply<Done>> replyTo)
      implements Command {
    /** A report whose clip is not stored yet, or that names none. */
    public static RecordMotion withoutClip(MotionReport report, ActorRef<StatusReply<Done>> replyTo) {
      return new RecordMotion(report, null, replyTo);
    }
  }

  /** Telemetry readings; answered once an anomaly they show (if any) is journaled. */
  public record RecordTelemetry(Telemetry telemetry, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /**
   * A tracker's position (OwnTracks {@code _type: location}); also tells that it is alive, with its
   * battery, like a heartbeat at the fix's time. {@code tid} names a tracker that registers itself.
   */
  public record RecordLocation(Fix fix, Instant receivedAt, String tid, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /**
   * A tracker entered or left one of its regions (OwnTracks {@code _type: transition}); also tells that it is
   * alive, like a heartbeat at the transition's time. {@code tid} names a tracker that registers itself.
   */
  public record RecordTransition(RegionTransition transition, Instant receivedAt, String tid,
      ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /**
   * Regions of a tracker (OwnTracks {@code _type: waypoint}, one of them, or {@code waypoints}, all of them:
   * {@code whole}), kept with the device (at most {@code RegionBook.MAX_REGIONS}, the newest made).
   */
  public record RecordRegions(List<Region> regions, boolean whole, Instant receivedAt,
      ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** A clip is stored in Fleet's bucket and checked; send only after the check. */
  public record StoreClip(StoredClip clip, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** An operator or homeowner ({@code who}) acknowledges one of the device's alerts. */
  public record AcknowledgeAlert(String alertId, String who, ActorRef<StatusReply<AlertAnswer>> replyTo) implements Command {}

  /** An operator or homeowner ({@code who}) clears one of the device's alerts. */
  public record ClearAlert(String alertId, String who, ActorRef<StatusReply<AlertAnswer>> replyTo) implements Command {}

  /** An operator ({@code who}) takes the device out of the fleet; its open alerts are cleared. */
  public record Decommission(String who, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /**
   * An operator ({@code who}) erases the device: it journals {@link DeviceEvent.Erased}, which empties its
   * state, answers with that event's sequence number (the eraser deletes the journal up to it) and
   * passivates, so that nothing it held in memory outlives the erase.
   */
  public record Erase(String who, ActorRef<StatusReply<ErasedUpTo>> replyTo) implements Command {}

  /** What {@link Erase} answers: the journal up to and including this sequence number is of the erased device. */
  public record ErasedUpTo(long sequenceNr) implements CborSerializable {}

  /**
   * Look at the device's silence now, {@code heard} being what was heard of it elsewhere (its node's parked row,
   * {@link SteadyHeartbeats}, when the deadline there passed; nothing when the read side found it online and unheard
   * for long): judged offline if silent for its window, as its own silence timer would.
   */
  public record LookAtSilence(Vitals heard) implements Command {
    /** The read side found the device online and unheard for long; nothing else is known here. */
    public static LookAtSilence unheard() {
      return new LookAtSilence(Vitals.NONE);
    }
  }

  /** Sharding's stop message, for passivation and rebalancing. */
  public enum Stop implements Command { INSTANCE }

  /** After a failure (the journal failing a write or a recovery), the entity starts again with backoff. Shared by all. */
  private static final BackoffSupervisorStrategy RESTART =
      SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.1);

  /** How soon a held offline judgment is looked at again (the bridges tick twice a second). */
  static final Duration OFFLINE_RECHECK = Duration.ofMillis(250);
  /**
   * How close to its deadline the ingest path must be known handled for a silent device to be judged: within a
   * second (the bridges tick twice a second, so a flowing path always is, and the judgment is on time); a
   * heartbeat sent in that last second while the path stalled would be missed, by a device silent for the rest.
   */
  static final Duration HEARD_TOLERANCE = Duration.ofSeconds(1);
  /**
   * How long at most a view of an entity that may be behind its device waits after its recovery ({@link
   * #behindItsDevice}): past a failover's Kafka rebalance (a 10 s session timeout) and catch-up.
   */
  static final Duration RECOVERED_HOLDS_AT_MOST = Duration.ofSeconds(10);

  /** The silence timer fired. */
  enum SilenceTimeout implements Command { INSTANCE }

  /** The passivation timer fired. */
  enum IdleTimeout implements Command { INSTANCE }

  /** Views held while the device's partition was catching up may be answered now (or held again). */
  enum ShowHeldViews implements Command { INSTANCE }

  /** The motion episode may have been quiet long enough. */
  enum MotionQuietCheck implements Command { INSTANCE }

  /** A motion alert may have waited long enough for its clip. */
  enum ClipWaitOver implements Command { INSTANCE }

  public static List<String> tags(int tagCount) {
    return IntStream.range(0, tagCount).mapToObj(i -> "device-" + i).toList();
  }

  public static String tagFor(String deviceId, int tagCount) {
    return "device-" + Math.abs(deviceId.hashCode() % tagCount);
  }

  public static void init(ActorSystem<?> system, DeviceSettings settings) {
    ClusterSharding sharding = ClusterSharding.get(system);
    SteadyHeartbeats.get(system).wakeThrough((deviceId, heard) ->
        sharding.entityRefFor(TYPE_KEY, deviceId).tell(new LookAtSilence(heard)));
    sharding.init(
        Entity.of(TYPE_KEY, ctx -> create(ctx.getEntityId(), settings, Optional.of(ctx.getShard())))
            .withStopMessage(Stop.INSTANCE)
            // Shards live where their partition of fleet.device-events is consumed (DeviceShards).
            .withAllocationStrategy(ExternalShardAllocationStrategy.create(system, TYPE_KEY.name(), Duration.ofSeconds(5))));
  }

  /** {@code shard} is asked to passivate the entity when idle; without one (tests) it just stays. */
  public static Behavior<Command> create(
      String deviceId, DeviceSettings settings, Optional<ActorRef<ClusterSharding.ShardCommand>> shard) {
    Behavior<Command> entity = Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      FleetMetrics metrics = FleetMetrics.get(ctx.getSystem());
      metrics.entityStarted();
      return new Device(deviceId, settings, new DeviceTimers(timers, ctx, shard, settings), metrics, ctx);
    }));
    // A parked device's view is answered from its row, without starting its entity.
    return shard.map(s -> ParkedDevice.orEntity(deviceId, settings, s, entity)).orElse(entity);
  }

  private final String deviceId;
  private final DeviceSettings settings;
  private final HealthRules rules;
  private final Registrations registrations;
  private final AlertRules alerts;
  private final MotionRules motion;
  private final TelemetryRules telemetry;
  private final String tag;
  private final DeviceTimers timers;
  private final FleetMetrics metrics;
  private final ActorContext<Command> context;
  private final PersistedAlerts persistedAlerts;
  private final Clock clock = Clock.systemUTC();
  private final IngestProgress ingest;
  private final SteadyHeartbeats steady;
  /** When this entity recovered (never persisted). */
  private Instant recoveredAt = Instant.MIN;
  /**
   * Whether this entity recovered online on a node that did not know its device's last heartbeats, and has not been
   * given one since (never persisted): its journal may be behind them (see {@link #onGet}).
   */
  private boolean mayBeBehind;
  /** Whether the entity stops leaving its device parked on this node (never persisted). */
  private boolean parked;
  /** Whether an offline judgment waits for the ingest path to catch up (never persisted). */
  private boolean offlineHeld;
  /** The latest heartbeat's values: the journaled vitals plus what was heard since (never persisted). */
  private Vitals live = Vitals.NONE;
  /** The last readings, for the dashboard; never persisted. */
  private final MetricNames metricNames = new MetricNames();

  private Device(String deviceId, DeviceSettings settings, DeviceTimers timers, FleetMetrics metrics,
      ActorContext<Command> context) {
    super(PersistenceId.of(TYPE_KEY.name(), deviceId),
        RESTART);
    this.deviceId = deviceId;
    this.settings = settings;
    this.rules = new HealthRules(deviceId, settings);
    this.registrations = new Registrations(deviceId, settings);
    this.alerts = new AlertRules(deviceId, settings.motion());
    this.motion = new MotionRules(deviceId, settings.motion(), alerts);
    this.telemetry = new TelemetryRules(deviceId, settings.anomaly(), alerts);
    this.tag = tagFor(deviceId, settings.tagCount());
    this.persistedAlerts = PersistedAlerts.get(context.getSystem());
    this.ingest = IngestProgress.get(context.getSystem());
    this.steady = SteadyHeartbeats.get(context.getSystem());
    this.timers = timers;
    this.metrics = metrics;
    this.context = context;
  }

  @Override
  public DeviceState emptyState() {
    return DeviceState.empty();
  }

  /**
   * One dispatch for all commands: the handler builder gave every entity its own few dozen cases, lambdas and lists
   * (~3 KiB of the ~8.5 KiB an online device's entity held; BENCHMARKS.md, heap per online device).
   */
  @Override
  public CommandHandlerWithReply<Command, DeviceEvent, DeviceState> commandHandler() {
    return this::handle;
  }

  private ReplyEffect<DeviceEvent, DeviceState> handle(DeviceState state, Command command) {
    // Heartbeats may have been taken without a message here (SteadyHeartbeats): whatever comes next sees them.
    Vitals newest = steady.newest(deviceId, live);
    if (mayBeBehind && (command instanceof RecordHeartbeat || command instanceof RecoverVitals || newest.laterHeartbeatThan(live))) {
      mayBeBehind = false;
    }
    live = newest;
    // Any message from outside keeps the entity awake a while longer (an online device's from parking).
    if (!(command instanceof SilenceTimeout || command instanceof IdleTimeout || command instanceof LookAtSilence)) {
      timers.touched(state);
    }
    if (command instanceof Register cmd) return onRegister(state, cmd);
    if (command instanceof Erase cmd) return onErase(state, cmd);
    if (command instanceof SilenceTimeout) return onSilence(state);
    if (command instanceof LookAtSilence cmd) return onLookAtSilence(state, cmd);
    if (command instanceof IdleTimeout timeout) return onIdle(state, timeout);
    if (command instanceof ShowHeldViews) return Effect().none().thenNoReply().thenUnstashAll();
    if (command instanceof MotionQuietCheck) return persistNoReply(motion.onQuietCheck(state, clock.instant()));
    if (command instanceof ClipWaitOver) return persistNoReply(motion.onClipWaitOver(state, clock.instant()));
    if (command instanceof RecoverVitals cmd) return onRecoverVitals(state, cmd);
    if (command instanceof Stop stop) return onStop(state, stop);
    return state.registered() ? handleRegistered(state, command) : handleUnknown(state, command);
  }

  private ReplyEffect<DeviceEvent, DeviceState> handleRegistered(DeviceState state, Command command) {
    if (command instanceof RecordHeartbeat cmd) return onHeartbeat(state, cmd, List.of());
    if (command instanceof RecordStatus cmd) return onStatus(state, cmd);
    if (command instanceof RecordMotion cmd) return onMotion(state, cmd, List.of());
    if (command instanceof StoreClip cmd) return onStoreClip(state, cmd);
    if (command instanceof RecordTelemetry cmd) return onTelemetry(state, cmd, List.of());
    if (command instanceof RecordLocation cmd) return onLocation(state, cmd, List.of());
    if (command instanceof RecordTransition cmd) return onTransition(state, cmd, List.of());
    if (command instanceof RecordRegions cmd) return onRegions(state, cmd, List.of());
    if (command instanceof AcknowledgeAlert cmd) return onAcknowledgeAlert(state, cmd);
    if (command instanceof ClearAlert cmd) return onClearAlert(state, cmd);
    if (command instanceof Decommission cmd) return onDecommission(state, cmd);
    if (command instanceof Get get) return onGet(state, get);
    throw new IllegalArgumentException("unexpected command " + command);
  }

  /** A device not registered (never, or not since it was decommissioned or erased): what may register it, and refusals. */
  private ReplyEffect<DeviceEvent, DeviceState> handleUnknown(DeviceState state, Command command) {
    if (command instanceof RecordHeartbeat cmd) {
      Heartbeat hb = cmd.heartbeat();
      return registeringItself(state, cmd.replyTo(), hb.type(), hb.name(), hb.receivedAt(), this::onHeartbeat, cmd);
    }
    if (command instanceof RecordStatus cmd) return onStatusFromUnknown(state, cmd);
    if (command instanceof RecordMotion cmd) {
      MotionReport report = cmd.report();
      return registeringItself(state, cmd.replyTo(), orElse(report.type(), DeviceType.CAMERA), report.name(),
          report.receivedAt(), this::onMotion, cmd);
    }
    if (command instanceof RecordTelemetry cmd) {
      Telemetry t = cmd.telemetry();
      return registeringItself(state, cmd.replyTo(), orElse(t.type(), DeviceType.SENSOR), t.name(), t.receivedAt(),
          this::onTelemetry, cmd);
    }
    if (command instanceof RecordLocation cmd) {
      return registeringItself(state, cmd.replyTo(), DeviceType.TRACKER, cmd.tid(), cmd.receivedAt(), this::onLocation, cmd);
    }
    if (command instanceof RecordTransition cmd) {
      return registeringItself(state, cmd.replyTo(), DeviceType.TRACKER, cmd.tid(), cmd.receivedAt(), this::onTransition, cmd);
    }
    if (command instanceof RecordRegions cmd) {
      return registeringItself(state, cmd.replyTo(), DeviceType.TRACKER, null, cmd.receivedAt(), this::onRegions, cmd);
    }
    if (command instanceof StoreClip cmd) return Effect().reply(cmd.replyTo(), unknownDevice(state));
    if (command instanceof Decommission cmd) return Effect().reply(cmd.replyTo(), unknownDevice(state));
    if (command instanceof AcknowledgeAlert cmd) return Effect().reply(cmd.replyTo(), alertNotFound(cmd.alertId()));
    if (command instanceof ClearAlert cmd) return Effect().reply(cmd.replyTo(), alertNotFound(cmd.alertId()));
    if (command instanceof Get get) return Effect().reply(get.replyTo(), unknownDevice(state));
    throw new IllegalArgumentException("unexpected command " + command);
  }

  private ReplyEffect<DeviceEvent, DeviceState> onRegister(DeviceState state, Register cmd) {
    if (cmd.registration().type() == null) return Effect().reply(cmd.replyTo(), DeviceRefused.reply(Rejection.invalid("type is required")));
    Optional<DeviceEvent> change = registrations.onRegister(state, cmd.registration(), clock.instant());
    if (change.isEmpty()) return Effect().reply(cmd.replyTo(), StatusReply.success(view(state)));
    // A new registration starts the timers; changed details leave them running as they are.
    live = steady.disarm(deviceId, live);
    return Effect().persist(change.get())
        .thenRun(changed -> {
          if (!state.registered()) watch(changed);
          judgeHeartbeatsBy(changed);
        })
        .thenReply(cmd.replyTo(), changed -> StatusReply.success(view(changed)));
  }

  /** Its open alerts cleared by {@code who}, then the device forgotten (see {@link DeviceEvent.Decommissioned}). */
  private ReplyEffect<DeviceEvent, DeviceState> onDecommission(DeviceState state, Decommission cmd) {
    Instant now = clock.instant();
    List<DeviceEvent> events = new ArrayList<>();
    for (Alert open : state.alerts().alerts()) {
      if (!open.isCleared()) alerts.clear(state, open.alertId(), cmd.who(), now).update().ifPresent(events::add);
    }
    events.add(new DeviceEvent.Decommissioned(deviceId, now, cmd.who()));
    steady.disarm(deviceId, live);
    live = Vitals.NONE;
    return persistThenAck(events, cmd.replyTo());
  }

  /** Whatever the state: forgotten in the journal, then in memory (the entity passivates). */
  private ReplyEffect<DeviceEvent, DeviceState> onErase(DeviceState state, Erase cmd) {
    steady.disarm(deviceId, live);
    live = Vitals.NONE;
    return Effect().persist(new DeviceEvent.Erased(deviceId, clock.instant(), cmd.who()))
        .thenRun(erased -> {
          watch(erased);
          timers.passivate();
        })
        .thenReply(cmd.replyTo(), erased -> StatusReply.success(new ErasedUpTo(lastSequenceNumber(context))));
  }

  /** How a registered device handles a command, given the events that register it first (if any). */
  @FunctionalInterface
  private interface Handler<C> {
    ReplyEffect<DeviceEvent, DeviceState> handle(DeviceState state, C command, List<DeviceEvent> registering);
  }

  /**
   * The one way an unknown device registers itself: with what its first message says it is, unless
   * self-registration is configured off or the device was decommissioned (then the message is refused).
   * The registration is persisted with what the message causes, in one write.
   */
  private <C> ReplyEffect<DeviceEvent, DeviceState> registeringItself(DeviceState state, ActorRef<StatusReply<Done>> replyTo,
      DeviceType type, String name, Instant at, Handler<C> then, C command) {
    if (!mayRegisterItself(state)) return Effect().reply(replyTo, unknownDevice(state));
    Registered registered = registrations.self(type, name, at);
    return then.handle(state.apply(registered), command, List.of(registered));
  }

  /** An unknown device may register itself with what it sends, unless configured off or it was decommissioned. */
  private boolean mayRegisterItself(DeviceState state) {
    return settings.autoRegister() && !state.decommissioned();
  }

  private static <T> T orElse(T value, T otherwise) {
    return value != null ? value : otherwise;
  }

  /**
   * A status word says nothing about what a device is, so it does not register one: the retained
   * "online" a device publishes on connect usually arrives before its first heartbeat, which then
   * registers it with its type.
   */
  private ReplyEffect<DeviceEvent, DeviceState> onStatusFromUnknown(DeviceState state, RecordStatus cmd) {
    return Effect().reply(cmd.replyTo(), mayRegisterItself(state) ? StatusReply.ack() : unknownDevice(state));
  }

  /** {@code registering} holds a self-registration to persist first, {@code state} already includes it. */
  private ReplyEffect<DeviceEvent, DeviceState> onHeartbeat(DeviceState state, RecordHeartbeat cmd, List<DeviceEvent> registering) {
    Heartbeat hb = cmd.heartbeat();
    if (hb.ts() == null) return Effect().reply(cmd.replyTo(), DeviceRefused.reply(Rejection.invalid("heartbeat without ts")));
    List<DeviceEvent> events = new ArrayList<>(registering);
    events.addAll(health(state, hb));
    // The common case persists nothing: the heartbeat only refreshes the live vitals and the timer.
    return persistThenAck(events, cmd.replyTo());
  }

  /** What a sign of life causes: health transitions and their alerts (nothing for one seen already). */
  private List<DeviceEvent> health(DeviceState state, Heartbeat hb) {
    // Kafka delivers at least once: a heartbeat not newer than the last accepted one was seen already.
    if (!HealthRules.isNew(hb, live)) return List.of();
    live = live.heard(hb, rules.intervalS(state, hb));
    List<DeviceEvent> transitions = rules.onHeartbeat(state, hb, live);
    List<DeviceEvent> events = new ArrayList<>(transitions);
    events.addAll(alerts.onHealth(state, transitions));
    return events;
  }

  /**
   * A fix counts as a heartbeat at its time (a late one, older than the last, changes no health); it
   * is journaled unless the track judges it a duplicate, too late, or a GPS jump (counted in metrics).
   */
  private ReplyEffect<DeviceEvent, DeviceState> onLocation(DeviceState state, RecordLocation cmd, List<DeviceEvent> registering) {
    Fix fix = cmd.fix();
    List<DeviceEvent> events = new ArrayList<>(registering);
    events.addAll(health(state, Heartbeat.ofTracker(fix.tst(), cmd.receivedAt(), fix.batt(), cmd.tid())));
    Optional<String> rejected = state.track().judge(fix, settings.maxTrackerSpeedKmh());
    if (rejected.isEmpty()) events.add(new DeviceEvent.LocationRecorded(deviceId, cmd.receivedAt(), fix));
    else metrics.fixRejected(rejected.get());
    return persistThenAck(events, cmd.replyTo());
  }

  /**
   * A transition counts as a heartbeat at its time and is journaled as entered or left, unless it is one
   * taken already (Kafka delivers at least once, the app may publish again).
   */
  private ReplyEffect<DeviceEvent, DeviceState> onTransition(DeviceState state, RecordTransition cmd,
      List<DeviceEvent> registering) {
    RegionTransition transition = cmd.transition();
    if (transition.tst() == null || transition.region() == null) {
      return Effect().reply(cmd.replyTo(), DeviceRefused.reply(Rejection.invalid("transition without tst or region")));
    }
    List<DeviceEvent> events = new ArrayList<>(registering);
    events.addAll(health(state, Heartbeat.ofTracker(transition.tst(), cmd.receivedAt(), null, cmd.tid())));
    if (!state.regions().knows(transition)) {
      events.add(transition.entered() ? new DeviceEvent.EnteredRegion(deviceId, cmd.receivedAt(), transition)
          : new DeviceEvent.LeftRegion(deviceId, cmd.receivedAt(), transition));
    }
    return persistThenAck(events, cmd.replyTo());
  }

  /** The regions are journaled when they change: the same ones again (a redelivery) persist nothing. */
  private ReplyEffect<DeviceEvent, DeviceState> onRegions(DeviceState state, RecordRegions cmd,
      List<DeviceEvent> registering) {
    List<DeviceEvent> events = new ArrayList<>(registering);
    List<Region> regions = state.regions().after(cmd.regions(), cmd.whole());
    if (!regions.equals(state.regions().regions())) {
      events.add(new DeviceEvent.RegionsChanged(deviceId, cmd.receivedAt(), regions));
    }
    return persistThenAck(events, cmd.replyTo());
  }

  private ReplyEffect<DeviceEvent, DeviceState> onStatus(DeviceState state, RecordStatus cmd) {
    Optional<DeviceEvent> transition = rules.onStatus(state, cmd.online(), cmd.receivedAt(), live);
    if (transition.isEmpty()) return Effect().reply(cmd.replyTo(), StatusReply.ack());
    if (transition.get() instanceof CameOnline online) live = live.seen(online.at(), online.heartbeatIntervalS());
    return persistThenAck(alerts.withHealthAlerts(state, transition.get()), cmd.replyTo());
  }

  /** The report's clip (when it comes stored) first, then the report: its alert goes out with the clip at once. */
  private ReplyEffect<DeviceEvent, DeviceState> onMotion(DeviceState state, RecordMotion cmd, List<DeviceEvent> registering) {
    List<DeviceEvent> events = new ArrayList<>(registering);
    DeviceState now = state;
    if (cmd.clip() != null) {
      List<DeviceEvent> stored = motion.onClipStored(state, cmd.clip());
      events.addAll(stored);
      for (DeviceEvent event : stored) now = now.apply(event);
    }
    events.addAll(motion.onMotion(now, cmd.report()));
    return persistThenAck(events, cmd.replyTo());
  }

  private ReplyEffect<DeviceEvent, DeviceState> onStoreClip(DeviceState state, StoreClip cmd) {
    return persistThenAck(motion.onClipStored(state, cmd.clip()), cmd.replyTo());
  }

  private ReplyEffect<DeviceEvent, DeviceState> onTelemetry(DeviceState state, RecordTelemetry cmd, List<DeviceEvent> registering) {
    int names = metricNames.with(cmd.telemetry());
    if (names > settings.maxMetrics()) {
      return Effect().reply(cmd.replyTo(), DeviceRefused.reply(Rejection.tooManyMetrics(names, settings.maxMetrics())));
    }
    metricNames.add(cmd.telemetry());
    List<DeviceEvent> events = new ArrayList<>(registering);
    events.addAll(telemetry.onTelemetry(state, cmd.telemetry()));
    return persistThenAck(events, cmd.replyTo());
  }

  private ReplyEffect<DeviceEvent, DeviceState> onAcknowledgeAlert(DeviceState state, AcknowledgeAlert cmd) {
    return decide(alerts.acknowledge(state, cmd.alertId(), cmd.who(), clock.instant()), cmd.replyTo());
  }

  private ReplyEffect<DeviceEvent, DeviceState> onClearAlert(DeviceState state, ClearAlert cmd) {
    return decide(alerts.clear(state, cmd.alertId(), cmd.who(), clock.instant()), cmd.replyTo());
  }

  /**
   * A view, unless the device's partition is catching up on its last heartbeats here ({@link IngestProgress}) or this
   * entity recovered where they were not known ({@link #behindItsDevice}): just recovered from its journal, it may
   * not know the latest yet, and a view now would show the device back in time. It is then held and looked at again
   * every 100 ms, until the catch-up is over (5 s at most) or the latest heartbeat is here (10 s at most).
   */
  private ReplyEffect<DeviceEvent, DeviceState> onGet(DeviceState state, Get get) {
    if (ingest.catchingUp(deviceId) || behindItsDevice()) {
      timers.showHeldViewsSoon();
      return Effect().stash();
    }
    return Effect().reply(get.replyTo(), StatusReply.success(view(state)));
  }

  /**
   * Whether a view now may show the device back in time, this entity having recovered online where its device's last
   * heartbeats were not known ({@link #mayBeBehind}): its node may have died with steady heartbeats in memory only,
   * and this node's sharding may have started it before Kafka gave the device's partition to a consumer that hands
   * them back (VitalsCatchUp, here or on another node). It is, until a heartbeat or a handed-back one comes, its
   * partition is caught up here after the recovery, or {@link #RECOVERED_HOLDS_AT_MOST} passed (the journal is all
   * there is: its device was silent over the catch-up's window).
   */
  private boolean behindItsDevice() {
    if (mayBeBehind && (ingest.caughtUpSince(deviceId, recoveredAt)
        || !clock.instant().isBefore(recoveredAt.plus(RECOVERED_HOLDS_AT_MOST)))) {
      mayBeBehind = false;
    }
    return mayBeBehind;
  }

  /**
   * Persists {@code events} as they are journaled ({@link DeviceEvent#journaled}: a first heartbeat's registration in
   * one row), then restarts the timers and acknowledges.
   */
  private ReplyEffect<DeviceEvent, DeviceState> persistThenAck(List<DeviceEvent> events, ActorRef<StatusReply<Done>> replyTo) {
    return (events.isEmpty() ? Effect().none() : journal(events))
        .thenRun(s -> persisted(events, s))
        .thenReply(replyTo, s -> StatusReply.ack());
  }

  /**
   * Persists {@code events} as they are journaled, their alerts announced to the fast path first ({@link
   * PersistedAlerts}: the journal's publisher may read them before {@link #persisted} hands them over); the caller
   * runs {@link #persisted} after it.
   */
  private EffectBuilder<DeviceEvent, DeviceState> journal(List<DeviceEvent> events) {
    persistedAlerts.journaling(events);
    return Effect().persist(DeviceEvent.journaled(events));
  }

  private ReplyEffect<DeviceEvent, DeviceState> decide(AlertRules.Decision decision, ActorRef<StatusReply<AlertAnswer>> replyTo) {
    StatusReply<AlertAnswer> answer = StatusReply.success(decision.answer());
    if (decision.update().isEmpty()) return Effect().reply(replyTo, answer);
    List<DeviceEvent> update = List.of(decision.update().get());
    return journal(update).thenRun(s -> persisted(update, s)).thenReply(replyTo, s -> answer);
  }

  private ReplyEffect<DeviceEvent, DeviceState> persistNoReply(Optional<DeviceEvent> event) {
    List<DeviceEvent> events = event.map(List::of).orElse(List.of());
    return (events.isEmpty() ? Effect().none() : journal(events)).thenRun(s -> persisted(events, s)).thenNoReply();
  }

  /**
   * Woken (or told) to judge the silence: with what was heard elsewhere, as its own timer would. Told by the read
   * side's sweep (nothing heard) within the first window after this entity recovered, it lets the recovery's timer
   * decide: the node was away (a restart), not necessarily the device.
   */
  private ReplyEffect<DeviceEvent, DeviceState> onLookAtSilence(DeviceState state, LookAtSilence cmd) {
    if (!state.online()) return Effect().noReply();
    if (cmd.heard().lastSeen() == null && clock.instant().isBefore(
        recoveredAt.plus(settings.silenceWindowAfterRecovery(live.heartbeatIntervalS())))) {
      return Effect().noReply();
    }
    live = SteadyHeartbeats.newer(live, cmd.heard());
    // Its node's row was handed back: its heartbeats are judged against this entity's state again.
    judgeHeartbeatsBy(state);
    return onSilence(state);
  }

  private ReplyEffect<DeviceEvent, DeviceState> onSilence(DeviceState state) {
    if (!state.online()) return Effect().noReply();
    Instant now = clock.instant();
    Duration left = rules.silenceLeft(live, now);
    if (left.compareTo(Duration.ZERO) > 0) {
      timers.silenceFor(left);
      return Effect().noReply();
    }
    Instant deadline = now.plus(left);
    Optional<Instant> heard = ingest.heardUntil(deviceId);
    if (heard.isPresent() && heard.get().isBefore(deadline.minus(HEARD_TOLERANCE))
        && now.isBefore(deadline.plus(settings.offlineHoldMax()))) {
      // Fleet has not handled all its broker took before the deadline yet: the silence may be Fleet's own.
      if (!offlineHeld) {
        metrics.offlineJudgmentHeld();
        context.getLog().debug("{}: silent since {}, offline judgment held: ingest heard until {}", deviceId,
            live.lastSeen(), heard.get());
      }
      offlineHeld = true;
      timers.silenceFor(OFFLINE_RECHECK);
      return Effect().noReply();
    }
    offlineHeld = false;
    // From here on its heartbeats come here; one taken since this message began counts before the judgment.
    live = steady.disarm(deviceId, live);
    Duration stillLeft = rules.silenceLeft(live, now);
    if (stillLeft.compareTo(Duration.ZERO) > 0) {
      judgeHeartbeatsBy(state);
      timers.silenceFor(stillLeft);
      return Effect().noReply();
    }
    List<DeviceEvent> offline = alerts.withHealthAlerts(state, new WentOffline(deviceId, now, OfflineReason.SILENT, live.lastSeen()));
    return journal(offline).thenRun(s -> persisted(offline, s)).thenNoReply();
  }

  private ReplyEffect<DeviceEvent, DeviceState> onRecoverVitals(DeviceState state, RecoverVitals cmd) {
    Heartbeat hb = cmd.heartbeat();
    if (state.online() && hb.ts() != null && HealthRules.isNew(hb, live)
        && (live.lastSeen() == null || hb.receivedAt().isAfter(live.lastSeen()))) {
      live = live.heard(hb, rules.intervalS(state, hb));
      judgeHeartbeatsBy(state);
    }
    return Effect().reply(cmd.replyTo(), StatusReply.ack());
  }

  /**
   * Sharding stops the entity (rebalance, passivation): what only memory holds of the last heartbeat is journaled
   * first, unless the device is parked (its row on this node keeps it).
   */
  private ReplyEffect<DeviceEvent, DeviceState> onStop(DeviceState state, Stop stop) {
    if (steady.parked(deviceId)) {
      parked = true;
      return Effect().stop().thenNoReply();
    }
    live = steady.disarm(deviceId, live);
    Optional<DeviceEvent> unjournaled = rules.onHandOff(state, live);
    if (unjournaled.isEmpty()) return Effect().stop().thenNoReply();
    return Effect().persist(unjournaled.get()).thenStop().thenNoReply();
  }

  /**
   * Idle: an offline or unknown device's entity stops, an online device is parked ({@link SteadyHeartbeats#park})
   * and its entity stops. Not while a motion episode needs its timers (until it ended and its alert is out), an
   * offline judgment is held, the partition catches up or the device was not heard within its window; a sensor's
   * model learnt since it was last saved is journaled first.
   */
  private ReplyEffect<DeviceEvent, DeviceState> onIdle(DeviceState state, IdleTimeout timeout) {
    if (!timers.idleNow(state)) return Effect().noReply();
    boolean mayStop = !state.motion().busy()
        && (!state.online() || (state.registered() && !offlineHeld && !ingest.catchingUp(deviceId) && heardWithinWindow()));
    if (!mayStop || !timers.canPassivate()) {
      timers.idleFrom(state);
      return Effect().noReply();
    }
    Optional<DeviceEvent> unsaved = telemetry.unsaved(clock.instant());
    // Journaled, the idle timer starts again (persisted → watch): it stops at the next one.
    if (unsaved.isPresent()) return persistNoReply(unsaved);
    if (!state.online() || steady.park(deviceId, live)) timers.passivate();
    else timers.idleFrom(state);
    return Effect().noReply();
  }

  /**
   * Whether the device was heard within its silence window: one that was not (just recovered, its node was away) is
   * left to the entity's own timer, which gives it the window a recovery allows, rather than parked past its deadline.
   */
  private boolean heardWithinWindow() {
    return live.lastSeen() != null && rules.silenceLeft(live, clock.instant()).compareTo(Duration.ZERO) > 0;
  }

  /**
   * After events are persisted: their alerts go out at once ({@link PersistedAlerts}, the fast path; the journal's
   * publisher sends whatever that did not confirm), and the timers follow the new state.
   */
  private void persisted(List<DeviceEvent> events, DeviceState state) {
    persistedAlerts.persisted(events);
    watch(state);
    judgeHeartbeatsBy(state);
  }

  /**
   * An online device's heartbeats that cause nothing in {@code state} may be taken without this entity from now
   * ({@link SteadyHeartbeats}); any other device's all come here.
   */
  private void judgeHeartbeatsBy(DeviceState state) {
    if (state.registered() && state.online()) steady.arm(deviceId, state, rules, live);
    else live = steady.disarm(deviceId, live);
  }

  /** After anything that changes the status or was heard from the device: restart the right timer. */
  private void watch(DeviceState state) {
    timers.watch(state, live);
    timers.watchMotion(state, motion, clock.instant());
  }

  @Override
  public EventHandler<DeviceState, DeviceEvent> eventHandler() {
    return DeviceState::apply;
  }

  @Override
  public SignalHandler<DeviceState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          recoveredAt = clock.instant();
          live = state.vitals();
          mayBeBehind = state.online() && !ingest.caughtUpSince(deviceId, Instant.MIN);
          judgeHeartbeatsBy(state);
          telemetry.recover(state);
          timers.watchAfterRecovery(state, live);
          timers.watchMotion(state, motion, clock.instant());
        })
        .onSignal(PostStop.instance(), state -> {
          if (!parked) steady.disarm(deviceId, live);
          metrics.entityStopped();
        })
        .build();
  }

  @Override
  public Set<String> tagsFor(DeviceEvent event) {
    return Set.of(tag);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return settings.journal().criteria();
  }

  private DeviceView view(DeviceState state) {
    return view(deviceId, state, live, settings);
  }

  /** The device as the API shows it: its state, its latest heartbeat's values, its type's interval unless it said one. */
  static DeviceView view(String deviceId, DeviceState state, Vitals live, DeviceSettings settings) {
    return state.view(deviceId, live, settings.heartbeatIntervalS(state.registration().type()));
  }

  private <T> StatusReply<T> unknownDevice(DeviceState state) {
    return DeviceRefused.reply(Rejection.unknownDevice(deviceId, state));
  }

  private static StatusReply<AlertAnswer> alertNotFound(String alertId) {
    return StatusReply.success(AlertAnswer.notFound(alertId));
  }
}
