package io.fleet.device;

import io.fleet.device.DeviceState.Vitals;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>State: per armed device, its state and rules as the entity last armed them and the newest vitals taken here;
 * per device, how many of its messages are on their way to its entity. In memory only, and node-local: what the
 * entity's memory held before, no more (its journal gets the vitals when last seen is due, with every transition
 * and at hand-off). A node that dies loses them as an entity's memory did; {@code VitalsCatchUp} re-reads the
 * recent heartbeats where the partition goes.
 */
public final class SteadyHeartbeats implements Extension {

  /** A device's state, rules and vitals as armed, and its messages on their way to the entity. */
  private record Entry(DeviceState state, HealthRules rules, Vitals live, int sending) {
    boolean armed() {
      return state != null;
    }

    Entry sending(int more) {
      return new Entry(state, rules, live, sending + more);
    }
  }

  private final Map<String, Entry> devices = new ConcurrentHashMap<>();

  SteadyHeartbeats() {}

  public static SteadyHeartbeats get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
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
      if (!entry.rules().onHeartbeat(entry.state(), hb, heard).isEmpty()) return entry;
      taken[0] = true;
      return new Entry(entry.state(), entry.rules(), heard, 0);
    });
    return taken[0];
  }

  /** A message of this device is on its way to its entity: its heartbeats go there too until {@link #answered}. */
  public void sending(String deviceId) {
    devices.compute(deviceId, (id, entry) -> entry == null ? new Entry(null, null, Vitals.NONE, 1) : entry.sending(1));
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
        ? new Entry(state, rules, live, 0)
        : new Entry(state, rules, newer(entry.live(), live), entry.sending()));
  }

  /**
   * The entity is about to change what its heartbeats are judged against, or stops: they go to it again. Returns the
   * newer of {@code live} and the vitals taken here up to this moment, so that none taken is lost.
   */
  Vitals disarm(String deviceId, Vitals live) {
    Vitals[] newest = {live};
    devices.computeIfPresent(deviceId, (id, entry) -> {
      if (entry.armed()) newest[0] = newer(entry.live(), live);
      return entry.sending() > 0 ? new Entry(null, null, Vitals.NONE, entry.sending()) : null;
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
    boolean bLater = b.heartbeatTs() != null && (a.heartbeatTs() == null || b.heartbeatTs().isAfter(a.heartbeatTs()));
    Vitals later = bLater ? b : a;
    Vitals other = bLater ? a : b;
    return other.lastSeen() == null || (later.lastSeen() != null && !other.lastSeen().isAfter(later.lastSeen()))
        ? later : later.seen(other.lastSeen(), later.heartbeatIntervalS());
  }

  private static final class Id extends ExtensionId<SteadyHeartbeats> {
    static final Id INSTANCE = new Id();

    @Override
    public SteadyHeartbeats createExtension(ActorSystem<?> system) {
      return new SteadyHeartbeats();
    }
  }
}
