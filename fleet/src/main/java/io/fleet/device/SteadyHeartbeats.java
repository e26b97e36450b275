package io.fleet.device;

import io.fleet.device.DeviceState.Vitals;
import io.fleet.metrics.FleetMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Heartbeats that change nothing, taken on this node without a message to their device's entity: most of what an
 * online device sends. An online device's entity {@linkplain #arm arms} its device here after everything it
 * handled, with its journaled state and its health rules; the ingest path then offers each heartbeat of that device
 * ({@link #absorb}) and only one that the rules say causes nothing — not new (a redelivery), or new and neither
 * coming online, battery low or recovered, firmware changed, interval changed nor last seen due for the journal — is
 * taken here, into the device's live vitals. Whatever causes something goes to the entity, as does every heartbeat
 * while another message of the same device is on its way to the entity ({@link #sending}), so a heartbeat is never
 * judged against a state its predecessor is about to change. The entity takes the vitals gathered here
 * ({@link #newest}) before it handles anything (a view, its silence timer, a hand-off), so it shows and journals
 * them as if it had heard every heartbeat itself.
 *
 * <p>An online device whose entity has had nothing to do for {@code park-after} is <em>parked</em> ({@link #park}):
 * its entity stops and its row here is all that runs for it. A parked device's steady heartbeats are taken here
 * even when its last seen is due: last seen goes to the read side instead, in batches ({@link #unwrittenSeen}), not
 * to the journal. One timer per node looks at the parked devices every {@link #SCAN}; one silent until shortly before
 * its deadline ({@link #WAKE_AHEAD}, at most one heartbeat interval) is handed back to its entity
 * ({@link Device.LookAtSilence}, with the vitals taken here), which is then running (recovered from the journal) and
 * judges it at the deadline as its own silence timer would. A view of a parked device is answered from its row
 * ({@link ParkedDevice}); anything else a parked device sends starts its entity again, which arms it anew.
 *
 * <p>State: per armed device, its state and rules as the entity last armed them, the newest vitals taken here,
 * whether it is parked, when it is handed back and whether its last seen waits for the read side; per device, how many of its
 * messages are on their way to its entity. In memory only, and node-local. A node that dies loses them: its
 * partitions' records are read again from Kafka where they go ({@code VitalsCatchUp} re-reads the recent
 * heartbeats), a heartbeating device's next heartbeat starts its entity there, and a silent one that was parked here
 * is found by the read side's sweep of online devices unheard for long ({@code UnheardDevices}).
 */
public final class SteadyHeartbeats implements Extension {
  /** How often the parked devices' deadlines are looked at. */
  static final Duration SCAN = Duration.ofMillis(250);
  /**
   * How long before its deadline a silent parked device is handed back (at most one heartbeat interval): its entity's
   * recovery, a journal read, is done by the deadline, so the judgment is as punctual as a running entity's.
   */
  static final Duration WAKE_AHEAD = Duration.ofSeconds(2);

  /**
   * A device's state, rules and vitals as armed, its messages on their way to the entity, whether it is parked (its
   * entity stopped), when it is handed back if parked and heard no more (epoch ms, {@link #wakeAt}) and whether its
   * last seen waits for the read side.
   */
  private record Entry(DeviceState state, HealthRules rules, Vitals live, int sending, boolean parked, long wakeMs,
      boolean unwritten) {
    static final Entry NONE = new Entry(null, null, Vitals.NONE, 0, false, 0, false);

    boolean armed() {
      return state != null;
    }

    Entry sending(int more) {
      return new Entry(state, rules, live, sending + more, parked, wakeMs, unwritten);
    }

    Entry heard(Vitals heard) {
      return new Entry(state, rules, heard, 0, parked, parked ? wakeAt(rules, heard) : 0,
          unwritten || parked);
    }

    /** Armed again by its entity, awake (not parked). */
    Entry armedBy(DeviceState newState, HealthRules newRules, Vitals newest) {
      return new Entry(newState, newRules, newest, sending, false, 0, unwritten);
    }

    /** Parked with {@code newest} vitals until {@code until} (epoch ms). */
    Entry parkedUntil(Vitals newest, long until) {
      return new Entry(state, rules, newest, 0, true, until, unwritten);
    }

    /** Whether its last seen waits for the read side. */
    Entry unwritten(boolean waits) {
      return new Entry(state, rules, live, sending, parked, wakeMs, waits);
    }
  }

  /** What {@link #unwrittenSeen} hands the read side: a parked device's last seen and what it last reported. */
  public record Seen(String deviceId, Instant lastSeen, Integer battery, Integer rssi) {}

  private final Map<String, Entry> devices = new ConcurrentHashMap<>();
  private final ActorSystem<?> system;
  private volatile BiConsumer<String, Vitals> wake;

  SteadyHeartbeats(ActorSystem<?> system) {
    this.system = system;
  }

  public static SteadyHeartbeats get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /**
   * Devices may be parked from now: a silent one is handed back to its entity through {@code wake} (sharding, in
   * {@link Device#init}). Starts the node's deadline timer; without a way to wake, no device is parked.
   */
  void wakeThrough(BiConsumer<String, Vitals> wake) {
    boolean first = this.wake == null;
    this.wake = wake;
    if (first) {
      FleetMetrics metrics = FleetMetrics.get(system);
      system.scheduler().scheduleWithFixedDelay(SCAN, SCAN, () -> metrics.parkedDevicesWoken(wakeSilent(Instant.now())),
          system.executionContext());
    }
  }

  /**
   * Takes {@code hb} here if its device is armed, none of its messages is on the way to its entity, and the rules
   * say it causes nothing: true when taken (the record is done), false when the entity must have it.
   */
  public boolean absorb(String deviceId, Heartbeat hb) {
    if (hb.ts() == null) return false;
    boolean[] taken = {false};
    devices.computeIfPresent(deviceId, (id, entry) -> {
      if (!entry.armed() || entry.sending() > 0) return entry;
      // Not newer than the last taken: a redelivery, which the entity would pass over too.
      if (!HealthRules.isNew(hb, entry.live())) {
        taken[0] = true;
        return entry;
      }
      Vitals heard = entry.live().heard(hb, entry.rules().intervalS(entry.state(), hb));
      // A parked device's last seen goes to the read side, never through a woken entity to the journal.
      if (!entry.rules().onHeartbeat(entry.state(), hb, heard, !entry.parked()).isEmpty()) return entry;
      taken[0] = true;
      return entry.heard(heard);
    });
    return taken[0];
  }

  /** A message of this device is on its way to its entity: its heartbeats go there too until {@link #answered}. */
  public void sending(String deviceId) {
    devices.compute(deviceId, (id, entry) -> (entry == null ? Entry.NONE : entry).sending(1));
  }

  /** The entity answered a message {@linkplain #sending sent} to it (or it failed). */
  public void answered(String deviceId) {
    devices.computeIfPresent(deviceId, (id, entry) -> {
      Entry after = entry.sending(-1);
      return !after.armed() && after.sending() <= 0 ? null : after;
    });
  }

  /** The entity of an online device handled a message: its heartbeats are judged against {@code state} from now. */
  void arm(String deviceId, DeviceState state, HealthRules rules, Vitals live) {
    devices.compute(deviceId, (id, entry) -> entry == null
        ? Entry.NONE.armedBy(state, rules, live)
        : entry.armedBy(state, rules, newer(entry.live(), live)));
  }

  /**
   * The entity of an online device with nothing to do would stop: true if its device is parked here from now (it is
   * armed, none of its messages is on the way, it is not due to be handed back and this node can wake it), and the entity may
   * stop; {@code live} is the entity's vitals.
   */
  boolean park(String deviceId, Vitals live) {
    if (wake == null) return false;
    boolean[] parked = {false};
    devices.computeIfPresent(deviceId, (id, entry) -> {
      Vitals newest = newer(entry.live(), live);
      if (!entry.armed() || entry.sending() > 0 || newest.lastSeen() == null) return entry;
      long wakeMs = wakeAt(entry.rules(), newest);
      // Near or past its deadline already: its entity judges it, not this row.
      if (wakeMs <= System.currentTimeMillis()) return entry;
      parked[0] = true;
      return entry.parkedUntil(newest, wakeMs);
    });
    return parked[0];
  }

  /** How many devices are parked on this node now. */
  public long parkedCount() {
    return devices.values().stream().filter(Entry::parked).count();
  }

  /** When a parked device last seen as {@code live} is handed back if heard no more (epoch ms). */
  private static long wakeAt(HealthRules rules, Vitals live) {
    long ahead = Math.min(WAKE_AHEAD.toMillis(), DeviceSettings.heartbeatInterval(live.heartbeatIntervalS()).toMillis());
    return rules.deadline(live).toEpochMilli() - ahead;
  }

  /** Whether the device is parked here (its entity may stop and leave its row). */
  boolean parked(String deviceId) {
    Entry entry = devices.get(deviceId);
    return entry != null && entry.parked();
  }

  /** A parked device's view from its row (its state as armed, the newest vitals taken); empty if not parked here. */
  Optional<DeviceView> parkedView(String deviceId, DeviceSettings settings) {
    Entry entry = devices.get(deviceId);
    if (entry == null || !entry.parked()) return Optional.empty();
    return Optional.of(Device.view(deviceId, entry.state(), entry.live(), settings));
  }

  /**
   * Hands every parked device silent until shortly before its deadline back to its entity, with the vitals taken
   * here, and forgets it: its entity judges the silence at the deadline (its node's ingest path may be behind; it may
   * have been heard elsewhere), and arms it again here, awake, to take its heartbeats meanwhile.
   * Returns how many.
   */
  int wakeSilent(Instant now) {
    BiConsumer<String, Vitals> wake = this.wake;
    long nowMs = now.toEpochMilli();
    int woken = 0;
    for (Map.Entry<String, Entry> row : devices.entrySet()) {
      Entry entry = row.getValue();
      // A message on its way starts the entity anyway, which then keeps the watch.
      if (!entry.parked() || entry.sending() > 0 || entry.wakeMs() > nowMs) continue;
      if (!devices.remove(row.getKey(), entry)) continue;
      try {
        wake.accept(row.getKey(), entry.live());
        woken++;
      } catch (RuntimeException e) {
        // Not lost: the read side's sweep of online devices unheard for long finds it.
        system.log().warn("could not wake the entity of silent device {}: {}", row.getKey(), e.toString());
      }
    }
    return woken;
  }

  /**
   * The last seen of every parked device heard since the last call, for the read side; each is handed out once
   * (see {@link #stillUnwritten} when writing them failed).
   */
  public List<Seen> unwrittenSeen() {
    List<Seen> seen = new ArrayList<>();
    for (String deviceId : devices.keySet()) {
      devices.computeIfPresent(deviceId, (id, entry) -> {
        if (!entry.unwritten()) return entry;
        Vitals live = entry.live();
        seen.add(new Seen(id, live.lastSeen(), live.battery(), live.rssi()));
        return entry.unwritten(false);
      });
    }
    return seen;
  }

  /** Writing these to the read side failed: they are handed out again with the next {@link #unwrittenSeen}. */
  public void stillUnwritten(List<Seen> seen) {
    for (Seen s : seen) {
      devices.computeIfPresent(s.deviceId(), (id, entry) -> entry.armed() ? entry.unwritten(true) : entry);
    }
  }

  /**
   * The entity is about to change what its heartbeats are judged against, or stops: they go to it again. Returns the
   * newer of {@code live} and the vitals taken here up to this moment, so that none taken is lost.
   */
  Vitals disarm(String deviceId, Vitals live) {
    Vitals[] newest = {live};
    devices.computeIfPresent(deviceId, (id, entry) -> {
      if (entry.armed()) newest[0] = newer(entry.live(), live);
      return entry.sending() > 0 ? Entry.NONE.sending(entry.sending()) : null;
    });
    return newest[0];
  }

  /** The newer of the entity's vitals and those taken here. */
  Vitals newest(String deviceId, Vitals live) {
    Entry entry = devices.get(deviceId);
    return entry == null || !entry.armed() ? live : newer(entry.live(), live);
  }

  /**
   * The vitals of the later heartbeat (by the device's own timestamp; {@code a}'s when they tie), seen when either
   * was last (a status message tells that a device is alive without a heartbeat).
   */
  static Vitals newer(Vitals a, Vitals b) {
    if (a == b) return a;
    boolean bLater = b.laterHeartbeatThan(a);
    Vitals later = bLater ? b : a;
    Vitals other = bLater ? a : b;
    return other.lastSeen() == null || (later.lastSeen() != null && !other.lastSeen().isAfter(later.lastSeen()))
        ? later : later.seen(other.lastSeen(), later.heartbeatIntervalS());
  }

  private static final class Id extends ExtensionId<SteadyHeartbeats> {
    static final Id INSTANCE = new Id();

    @Override
    public SteadyHeartbeats createExtension(ActorSystem<?> system) {
      return new SteadyHeartbeats(system);
    }
  }
}
