package io.fleet.device;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Where a {@link Device} hands the alerts it journals ({@link DeviceEvent.AlertRaised},
 * {@link DeviceEvent.AlertUpdated}), so they can go out at once instead of when the journal is next read: the
 * alerts' fast path plugs in here ({@code io.fleet.alerts.AlertFastPath}). Nothing by default. Per actor
 * system; holds only the listener, nothing durable: an alert whose hand-over a crash cut short is still in the
 * journal, and the journal's publisher sends it.
 */
public final class PersistedAlerts implements Extension {
  /**
   * Told of an entity's alerts twice: before they are journaled and once they are. Called on the entity's thread:
   * must not block.
   */
  public interface Listener {
    /**
     * {@code alerts} are about to be journaled: the journal's publisher may read them before {@link #persisted} is
     * called.
     */
    void journaling(List<DeviceEvent> alerts);

    /** {@code alerts} are in the journal. */
    void persisted(List<DeviceEvent> alerts);
  }

  private static final Listener NONE = new Listener() {
    @Override
    public void journaling(List<DeviceEvent> alerts) { }

    @Override
    public void persisted(List<DeviceEvent> alerts) { }
  };

  private static final Id ID = new Id();
  private final AtomicReference<Listener> listener = new AtomicReference<>(NONE);

  public static PersistedAlerts get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** From now on, alerts go to {@code listener}. */
  public void listen(Listener listener) {
    this.listener.set(listener);
  }

  /** Called by an entity with what it is about to journal, before the write begins; passes on only the alert events. */
  void journaling(List<DeviceEvent> events) {
    List<DeviceEvent> alerts = alertsOf(events);
    if (!alerts.isEmpty()) listener.get().journaling(alerts);
  }

  /** Called by an entity with what it has just persisted; passes on only the alert events. */
  void persisted(List<DeviceEvent> events) {
    List<DeviceEvent> alerts = alertsOf(events);
    if (!alerts.isEmpty()) listener.get().persisted(alerts);
  }

  private static List<DeviceEvent> alertsOf(List<DeviceEvent> events) {
    return events.stream().filter(e -> DeviceEvent.alertOf(e).isPresent()).toList();
  }

  private static final class Id extends ExtensionId<PersistedAlerts> {
    @Override
    public PersistedAlerts createExtension(ActorSystem<?> system) {
      return new PersistedAlerts();
    }
  }
}
