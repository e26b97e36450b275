package io.fleet.agent.sim;

/** Totals over a simulated fleet at one moment; see {@link VirtualDevice} for what each counter means. */
public record FleetStats(
        int devices, int connected, long heartbeatsSent, long heartbeatsAcked, long heartbeatsFailed) {}
