package io.fleet.device;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Where a {@link Device} hands the alerts it has just persisted ({@link DeviceEvent.AlertRaised},
 * {@link DeviceEvent.AlertUpdated}), so they can go out at once instead of when the journal is next read: the
 * alerts' fast path plugs in here ({@code io.fleet.alerts.AlertFastPath}). Nothing by default. Per actor
 * system; holds only the listener, nothing durable: an alert whose hand-over a crash cut short is still in the
 * journal, and the journal's publisher sends it.
 */
public final class PersistedAlerts implements Extension {
  private static final Id ID = new Id();
  private final AtomicReference<Consumer<List<DeviceEvent>>> listener = new AtomicReference<>(events -> { });

  public static PersistedAlerts get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** From now on, persisted alerts go to {@code listener} (called on the entity's thread: it must not block). */
  public void listen(Consumer<List<DeviceEvent>> listener) {
    this.listener.set(listener);
  }

  /** Called by an entity with what it has just persisted; passes on only the alert events. */
  void persisted(List<DeviceEvent> events) {
    List<DeviceEvent> alerts = events.stream().filter(e -> DeviceEvent.alertOf(e).isPresent()).toList();
    if (!alerts.isEmpty()) listener.get().accept(alerts);
  }

  private static final class Id extends ExtensionId<PersistedAlerts> {
    @Override
    public PersistedAlerts createExtension(ActorSystem<?> system) {
      return new PersistedAlerts();
    }
  }
}
