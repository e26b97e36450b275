package io.fleet.device;

import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * Whether Fleet can hear its devices: the node's health watch tells here what each check found of the servers a
 * device's message passes through (the MQTT broker, Kafka, the database its entity journals to). While one is
 * down, messages wait (in the broker, in Kafka) and the devices' entities hear nothing, so a device's silence
 * counts only from when they were all up again: an outage, and the backlog it leaves, is Fleet's silence, not
 * the device's ({@link HealthRules#silenceLeft}). Without it, a device whose heartbeats waited in Kafka behind
 * entities that could not journal went offline the moment the database returned ({@code DatabaseOutageIT}).
 *
 * <p>State, per actor system and in memory only: the servers found down, and when they were last all found up
 * again. A restarted node knows of no outage; its online devices get a full window anyway
 * ({@link DeviceTimers#watchAfterRecovery}).
 */
public final class ServerOutages implements Extension {
  private static final Id ID = new Id();
  private final Set<String> down = new HashSet<>();
  private Instant allUpSince = Instant.EPOCH;

  public static ServerOutages get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** A check at {@code at} found {@code server} up or not. */
  public synchronized void checked(String server, boolean up, Instant at) {
    if (!up) {
      down.add(server);
    } else if (down.remove(server) && down.isEmpty()) {
      allUpSince = at;
    }
  }

  /** Since when Fleet has heard its devices: every server up since then (the epoch if none was down); empty while one is down. */
  synchronized Optional<Instant> hearingSince() {
    return down.isEmpty() ? Optional.of(allUpSince) : Optional.empty();
  }

  private static final class Id extends ExtensionId<ServerOutages> {
    @Override
    public ServerOutages createExtension(ActorSystem<?> system) {
      return new ServerOutages();
    }
  }
}
