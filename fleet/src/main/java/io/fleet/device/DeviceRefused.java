package io.fleet.device;

import java.util.Optional;
import org.apache.pekko.pattern.StatusReply;

/**
 * The error of a {@link StatusReply} by which a device's entity refuses a command, carrying its typed
 * {@link Rejection}; its message is the rejection's detail. Crosses nodes by {@link DeviceRefusedSerializer}.
 */
public final class DeviceRefused extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final Rejection rejection;

  public DeviceRefused(Rejection rejection) {
    super(rejection.detail(), null, false, false);
    this.rejection = rejection;
  }

  public Rejection rejection() {
    return rejection;
  }

  static <T> StatusReply<T> reply(Rejection rejection) {
    return StatusReply.error(new DeviceRefused(rejection));
  }

  /** The rejection an error reply carries; an error of another kind (none expected) counts as an invalid command. */
  public static Rejection of(Throwable error) {
    return error instanceof DeviceRefused refused ? refused.rejection()
        : new Rejection(Rejection.Kind.INVALID_COMMAND, String.valueOf(error.getMessage()));
  }

  /** The rejection of a reply, when it is an error. */
  public static Optional<Rejection> of(StatusReply<?> reply) {
    return reply.isError() ? Optional.of(of(reply.getError())) : Optional.empty();
  }
}
