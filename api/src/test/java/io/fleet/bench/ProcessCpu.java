package io.fleet.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * CPU time of named processes on this machine, read from {@code /proc/<pid>/stat} (user + system time, in clock
 * ticks of 1/100 s, Linux's {@code USER_HZ} on every architecture Java runs on): a snapshot before and one after a
 * round give each process's CPU seconds in the round.
 */
final class ProcessCpu {
  static final double TICKS_PER_SECOND = 100;

  private final Map<String, LongSupplier> processes = new LinkedHashMap<>();

  /** Follows the process {@code pid} (all its threads). */
  ProcessCpu add(String name, long pid) {
    processes.put(name, () -> ticks(pid, false));
    return this;
  }

  /**
   * Follows the process {@code pid} and its children, as PostgreSQL's postmaster and its backends: the children
   * alive now, and those that ended and were waited for (their time counts to the parent's children's time).
   */
  ProcessCpu addWithChildren(String name, long pid) {
    processes.put(name, () -> ticks(pid, true) + ProcessHandle.of(pid).stream().flatMap(ProcessHandle::children)
        .mapToLong(child -> ticks(child.pid(), false)).sum());
    return this;
  }

  /** Each process's CPU time so far, in clock ticks, by name (-1 for one that is gone). */
  Map<String, Long> snapshot() {
    Map<String, Long> ticks = new LinkedHashMap<>();
    processes.forEach((name, cpu) -> ticks.put(name, cpu.getAsLong()));
    return ticks;
  }

  /** utime + stime of {@code pid}, and with {@code waitedChildren} cutime + cstime too; -1 when it is gone. */
  private static long ticks(long pid, boolean waitedChildren) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (java.nio.file.NoSuchFileException e) {
      return -1;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Fields after the command's closing parenthesis start at field 3 (state); utime is field 14, stime 15,
    // cutime 16, cstime 17.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long own = Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3]);
    return waitedChildren ? own + Long.parseLong(fields[16 - 3]) + Long.parseLong(fields[17 - 3]) : own;
  }
}
