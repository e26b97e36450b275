package io.fleet.readside;

import java.util.Map;

/** Fleet-wide counts: devices by status and by type, and how many report a low battery. */
public record FleetSummary(long devices, Map<String, Long> byStatus, Map<String, Long> byType, long lowBattery) {}
