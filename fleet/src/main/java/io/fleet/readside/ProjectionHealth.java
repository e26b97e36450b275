package io.fleet.readside;

import io.fleet.metrics.Streams;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.projection.HandlerRecoveryStrategy;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.StatusObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells {@link Streams} how each projection instance running on this node fares: running once started,
 * restarting after a failure (Pekko restarts it with {@code pekko.projection.restart-backoff}, from its
 * saved offset), forgotten when it stops because its daemon moved to another node. Owns nothing.
 */
public final class ProjectionHealth<Envelope> extends StatusObserver<Envelope> {
  private static final Logger log = LoggerFactory.getLogger(ProjectionHealth.class);
  private final Streams streams;

  public ProjectionHealth(ActorSystem<?> system) {
    this.streams = Streams.get(system);
  }

  private static String name(ProjectionId id) {
    return "projection:" + id.name() + "-" + id.key();
  }

  @Override
  public void started(ProjectionId id) {
    streams.stream(name(id)).running();
  }

  @Override
  public void failed(ProjectionId id, Throwable cause) {
    log.error("projection {} failed; it restarts from its saved offset after a backoff", name(id), cause);
    streams.stream(name(id)).restarting(cause);
  }

  @Override
  public void stopped(ProjectionId id) {
    streams.retire(name(id));
  }

  @Override
  public void beforeProcess(ProjectionId id, Envelope envelope) {}

  @Override
  public void afterProcess(ProjectionId id, Envelope envelope) {}

  @Override
  public void offsetProgress(ProjectionId id, Envelope envelope) {}

  @Override
  public void error(ProjectionId id, Envelope envelope, Throwable cause, HandlerRecoveryStrategy recovery) {}
}
