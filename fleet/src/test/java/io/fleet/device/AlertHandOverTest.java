package io.fleet.device;

import static io.fleet.device.DeviceTesting.DEFAULTS;
import static io.fleet.device.DeviceTesting.newDeviceId;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * An entity hands each alert it journals to {@link PersistedAlerts} twice: announced before the write (when the
 * journal does not hold it yet, so the journal's publisher can never read an alert the fast path has not heard of)
 * and handed over once persisted.
 */
class AlertHandOverTest {
  private static final ActorTestKit testKit = ActorTestKit.create(DeviceTesting.CONFIG);

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void anAlertIsAnnouncedBeforeItIsInTheJournalAndHandedOverOnceItIs() {
    String id = newDeviceId();
    EventSourcedBehaviorTestKit<Device.Command, DeviceEvent, DeviceState> device = DeviceTesting.device(testKit, id, DEFAULTS);
    String persistenceId = PersistenceId.of(Device.TYPE_KEY.name(), id).id();
    List<String> told = new ArrayList<>();
    PersistedAlerts.get(testKit.system()).listen(new PersistedAlerts.Listener() {
      @Override
      public void journaling(List<DeviceEvent> alerts) {
        told.add("journaling " + alertIds(alerts) + (inJournal(alerts) ? " (already journaled)" : ""));
      }

      @Override
      public void persisted(List<DeviceEvent> alerts) {
        told.add("persisted " + alertIds(alerts) + (inJournal(alerts) ? "" : " (not journaled)"));
      }

      private boolean inJournal(List<DeviceEvent> alerts) {
        return device.persistenceTestKit().persistedInStorage(persistenceId).containsAll(alerts);
      }
    });

    String alertId = DeviceTesting.withOfflineAlert(device, Instant.now().truncatedTo(ChronoUnit.SECONDS));

    assertThat(told).containsExactly("journaling [" + alertId + "]", "persisted [" + alertId + "]");
  }

  private static List<String> alertIds(List<DeviceEvent> alerts) {
    return alerts.stream().map(e -> DeviceEvent.alertOf(e).orElseThrow().alertId()).toList();
  }
}
