package io.fleet.readside;

import java.util.Map;

/**
 * Fleet-wide counts: devices by status and by type, how many report a low battery, how many alerts are
 * open, and alerts by state (open, acknowledged, cleared).
 */
public record FleetSummary(long devices, Map<String, Long> byStatus, Map<String, Long> byType, long lowBattery,
    long openAlerts, Map<String, Long> alertsByState) {}
