package io.fleet.device;

import io.fleet.anomaly.AnomalySettings;
import io.fleet.anomaly.SensorModel;
import io.fleet.anomaly.Verdict;
import io.fleet.device.DeviceEvent.AnomalyDetected;
import io.fleet.device.DeviceEvent.SensorBaselineSaved;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a device's telemetry causes: its {@link SensorModel} (the detectors configured for its type)
 * judges each reading newer than the last; an anomalous one raises an {@code anomaly} alert unless one
 * was raised within the cooldown; every {@code baseline-save-every} readings the model is journaled.
 * Owns the model and the count since it was saved, in memory: the entity recovers them from
 * {@link SensorMemory} ({@link #recover}).
 */
final class TelemetryRules {
  private final String deviceId;
  private final AnomalySettings settings;
  private final AlertRules alerts;
  private SensorModel model;
  private DeviceType modelType;
  private Instant lastReadingTs;
  private int sinceSaved;

  TelemetryRules(String deviceId, AnomalySettings settings, AlertRules alerts) {
    this.deviceId = deviceId;
    this.settings = settings;
    this.alerts = alerts;
  }

  /** After recovery: the model as last saved. */
  void recover(DeviceState state) {
    model = null;
    lastReadingTs = state.sensor().lastReadingTs();
    sinceSaved = 0;
  }

  /** The events a reading causes on {@code state} (empty for a reading not newer than the last). */
  List<DeviceEvent> onTelemetry(DeviceState state, Telemetry t) {
    if (lastReadingTs != null && !t.ts().isAfter(lastReadingTs)) return List.of();
    lastReadingTs = t.ts();
    SensorModel m = model(state);
    List<DeviceEvent> events = new ArrayList<>();
    if (!m.judges()) return events;
    Verdict verdict = m.observe(t.readings());
    if (verdict.anomalous() && alerts.cooledDown(state, AlertKind.ANOMALY, t.receivedAt())) {
      AnomalyFinding finding = new AnomalyFinding(t.ts(), t.readings(), verdict);
      events.add(new AnomalyDetected(deviceId, t.receivedAt(), t.ts(), t.readings(), verdict));
      events.add(alerts.anomaly(state, t.receivedAt(), finding));
    }
    if (++sinceSaved >= settings.baselineSaveEvery()) {
      sinceSaved = 0;
      events.add(new SensorBaselineSaved(deviceId, t.receivedAt(), new SensorMemory(m.baseline(), t.ts())));
    }
    return events;
  }

  /**
   * What the model learnt since it was last saved, as a save to journal before the entity stops (it passivates or
   * parks); empty when nothing was.
   */
  Optional<DeviceEvent> unsaved(Instant at) {
    if (model == null || sinceSaved == 0 || !model.judges()) return Optional.empty();
    sinceSaved = 0;
    return Optional.of(new SensorBaselineSaved(deviceId, at, new SensorMemory(model.baseline(), lastReadingTs)));
  }

  private SensorModel model(DeviceState state) {
    DeviceType type = state.registration().type();
    if (model == null || type != modelType) {
      modelType = type;
      model = SensorModel.of(settings.detectorsFor(type.label()), settings, state.sensor().baseline());
    }
    return model;
  }
}
