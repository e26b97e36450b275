package io.fleet.agent.sim;

import io.fleet.protocol.DeviceKind;
import java.time.Duration;
import java.util.Locale;

/** The simulator's progress line and summary, from {@link FleetStats}. Pure. */
final class SimReport {

  private SimReport() {}

  /** One line: connected devices, messages sent/acknowledged/failed, the acknowledged rate overall and per kind. */
  static String progress(FleetStats now, FleetStats before, Duration elapsed, Duration since) {
    Traffic all = now.wellBehaved();
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
        "t=%ds connected=%d/%d sent=%d acked=%d failed=%d %s/s", Math.round(elapsed.toMillis() / 1000.0), now.connected(),
        now.devices(), all.sent(), all.acked(), all.failed(), rate(all.acked() - before.wellBehaved().acked(), since)));
    for (DeviceKind kind : DeviceKind.values()) {
      Traffic t = now.of(kind);
      if (t.devices() > 0) {
        line.append(String.format(Locale.ROOT, " %s %s/s", kind.wireName(), rate(t.acked() - before.of(kind).acked(), since)));
      }
    }
    if (now.motion().episodes() > 0) {
      line.append(String.format(Locale.ROOT, " | motion %d clips=%d failed=%d",
          now.motion().episodes(), now.motion().clipsUploaded(), now.motion().failed()));
    }
    if (now.misbehaving().devices() > 0) {
      line.append(String.format(Locale.ROOT, " | misbehaving acked=%d refused=%d",
          now.misbehaving().acked(), now.refused()));
    }
    return line.toString();
  }

  /**
   * A table: per kind devices, sent, acknowledged, failed, acknowledged per second; then the misbehaving ones.
   * {@code connected}: how many were connected at the end of the run (the stats may be taken after they left).
   */
  static String summary(FleetStats stats, int connected, Duration elapsed, int malformedAcked) {
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
        "summary after %d s: %d devices, %d connected%n", elapsed.toSeconds(), stats.devices(), connected));
    out.append(String.format(Locale.ROOT, "  %-12s %8s %10s %10s %8s %10s%n", "", "devices", "sent", "acked", "failed", "acked/s"));
    for (DeviceKind kind : DeviceKind.values()) {
      if (stats.of(kind).devices() > 0) {
        out.append(row(kind.wireName(), stats.of(kind), elapsed));
      }
    }
    out.append(row("all", stats.wellBehaved(), elapsed));
    MotionCounts motion = stats.motion();
    if (motion.episodes() > 0) {
      out.append(String.format(Locale.ROOT,
          "  motion episodes: %d, clips uploaded to S3: %d, events acknowledged: %d, failed: %d%n",
          motion.episodes(), motion.clipsUploaded(), motion.eventsAcked(), motion.failed()));
      if (motion.aFailure() != null) {
        out.append(String.format(Locale.ROOT, "  a failed episode: %s%n", motion.aFailure()));
      }
    }
    if (stats.misbehaving().devices() > 0) {
      out.append(row("misbehaving", stats.misbehaving(), elapsed));
      out.append(String.format(Locale.ROOT, "  malformed messages acknowledged by the broker: %d; devices refused at connect: %d%n",
          malformedAcked, stats.refused()));
    }
    return out.toString();
  }

  private static String row(String name, Traffic t, Duration elapsed) {
    return String.format(Locale.ROOT, "  %-12s %8d %10d %10d %8d %10s%n", name, t.devices(), t.sent(), t.acked(), t.failed(),
        rate(t.acked(), elapsed));
  }

  private static String rate(long count, Duration over) {
    double seconds = Math.max(1, over.toMillis()) / 1000.0;
    return String.format(Locale.ROOT, "%.1f", count / seconds);
  }
}
