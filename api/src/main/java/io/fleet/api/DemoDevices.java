package io.fleet.api;

import com.typesafe.config.Config;
import io.fleet.agent.sim.DevicePlan;
import io.fleet.agent.sim.SimulatedFleet;
import io.fleet.agent.sim.VirtualDevice;
import io.fleet.device.DeviceRegistration;
import io.fleet.device.DeviceType;
import io.fleet.protocol.DeviceKind;
import io.fleet.runtime.Fleet;
import io.fleet.runtime.FleetNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated devices the application starts so a newcomer sees a live fleet: cameras, sensors and
 * trackers registered in households as an operator would, heartbeating over real MQTT with the passwords
 * issued to them; sensors send telemetry
 * (an anomaly now and then) and trackers OwnTracks locations round a loop. A small share falls
 * silent after a while (and goes offline), now and then one comes back, and one in a while loses power
 * (its last will marks it offline at once) and reconnects later. Owns only the simulator: nothing durable.
 */
final class DemoDevices implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DemoDevices.class);
  /** Registrations in flight at once while the demo starts. */
  private static final int REGISTERING_AT_ONCE = 32;

  private final SimulatedFleet fleet;
  private final ScheduledExecutorService churn;
  private final String description;

  private DemoDevices(SimulatedFleet fleet, ScheduledExecutorService churn, String description) {
    this.fleet = fleet;
    this.churn = churn;
    this.description = description;
  }

  /** {@code apiUrl}: where the simulated cameras ask for presigned clip uploads. */
  static DemoDevices start(Config simulator, FleetNode node, String apiUrl) {
    int count = simulator.getInt("devices");
    if (count <= 0) return new DemoDevices(null, null, "  Simulated devices  none (FLEET_SIMULATED_DEVICES=0)");
    Duration interval = simulator.getDuration("heartbeat-interval");
    try {
      Duration motionEvery = simulator.getDuration("motion-every");
      SimulatedFleet.Builder builder = SimulatedFleet.builder()
          .mqtt(node.endpoints().mqttUrl())
          .devices(count)
          .idPrefix("demo-")
          .kinds(DeviceKind.CAMERA, DeviceKind.SENSOR, DeviceKind.TRACKER)
          .households(Math.max(1, count / 10))
          .heartbeatInterval(interval)
          .telemetry(true);
      builder = builder.credentials(registered(node.api(), builder.plan())::get);
      if (!motionEvery.isZero()) builder = builder.motion(apiUrl, motionEvery);
      // The API may be HTTPS (fleet.tls): the cameras trust its certificate for their clip uploads.
      if (node.infrastructure().tls().isPresent()) builder = builder.trust(node.infrastructure().tls().get().certificateFile());
      SimulatedFleet fleet = builder.start();
      ScheduledExecutorService churn = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fleet-demo-churn");
        t.setDaemon(true);
        return t;
      });
      scheduleChurn(fleet, churn, simulator.getDouble("silent-share"), interval);
      return new DemoDevices(fleet, churn, "  Simulated devices  " + count + " (demo-…), heartbeat every "
          + interval.toSeconds() + " s" + (motionEvery.isZero() ? "" : ", cameras' motion with a clip about every "
          + motionEvery.toMinutes() + " min") + "; FLEET_SIMULATED_DEVICES=0 turns them off");
    } catch (RuntimeException e) {
      log.warn("simulated devices did not start: {}", e.toString());
      return new DemoDevices(null, null, "  Simulated devices  failed to start: " + e.getMessage());
    }
  }

  /**
   * Registers each planned device as an operator would, in its household, and answers the password each
   * connects with: the one issued now, or (a device registered by an earlier run, whose password is only
   * kept hashed) a rotated one. At most {@value #REGISTERING_AT_ONCE} at a time: all at once, a thousand
   * registrations in a JVM that has just started took longer than an ask may (5 s), and the demo did not start.
   */
  private static Map<String, String> registered(Fleet fleet, List<DevicePlan> plan) {
    Map<String, String> passwords = new ConcurrentHashMap<>();
    Semaphore window = new Semaphore(REGISTERING_AT_ONCE);
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (DevicePlan device : plan) {
      window.acquireUninterruptibly();
      CompletableFuture<Void> one = fleet.register(device.id(), new DeviceRegistration(
              DeviceType.parse(device.kind().name()).orElseThrow(), device.id(), device.household(), null))
          .thenCompose(r -> {
            if (r.isError()) throw new IllegalStateException(device.id() + ": " + r.getError().getMessage());
            return r.getValue().password().<CompletionStage<String>>map(CompletableFuture::completedFuture)
                .orElseGet(() -> fleet.rotatePassword(device.id()).thenApply(rotated -> rotated.getValue().password()));
          })
          .thenAccept(password -> passwords.put(device.id(), password))
          .toCompletableFuture();
      one.whenComplete((done, failure) -> window.release());
      all.add(one);
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    return passwords;
  }

  private static void scheduleChurn(SimulatedFleet fleet, ScheduledExecutorService churn, double silentShare, Duration interval) {
    Random random = new Random();
    List<VirtualDevice> devices = new ArrayList<>(fleet.devices());
    int silent = Math.max(1, (int) Math.round(devices.size() * silentShare));
    long startAfter = interval.toMillis() * 4;
    churn.schedule(() -> devices.subList(0, Math.min(silent, devices.size())).forEach(VirtualDevice::silence),
        startAfter, TimeUnit.MILLISECONDS);
    churn.scheduleWithFixedDelay(() -> {
      VirtualDevice back = devices.get(random.nextInt(Math.min(silent, devices.size())));
      back.resume();
      devices.get(random.nextInt(Math.min(silent, devices.size()))).silence();
    }, startAfter * 3, startAfter * 3, TimeUnit.MILLISECONDS);
    churn.scheduleWithFixedDelay(() -> {
      VirtualDevice unplugged = devices.get(silent + random.nextInt(Math.max(1, devices.size() - silent)) % devices.size());
      unplugged.disconnectWithWill().thenRun(() ->
          churn.schedule(unplugged::powerOn, startAfter * 2, TimeUnit.MILLISECONDS));
    }, startAfter * 5, startAfter * 5, TimeUnit.MILLISECONDS);
  }

  String describe() {
    return description;
  }

  @Override
  public void close() {
    if (churn != null) churn.shutdownNow();
    if (fleet != null) fleet.close();
  }
}
