package io.fleet.infra;

import io.reactivex.exceptions.UndeliverableException;
import io.reactivex.plugins.RxJavaPlugins;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where errors go that the MQTT client's reactive flows (RxJava 2, inside the HiveMQ client) can deliver to no one: a
 * connection that closes after a flow was disposed (a bridge stopping, a broker restarting) fails it once more.
 * RxJava's default hands such an error to the thread's uncaught-exception handler, as if the JVM had a defect; here it
 * is logged instead — debug for an undeliverable one (expected after a disposal), a warning for anything else.
 * JVM-wide, installed once, unless the embedding application installed a handler of its own. No state.
 */
public final class RxErrors {
  private static final Logger log = LoggerFactory.getLogger(RxErrors.class);

  private RxErrors() {}

  public static synchronized void install() {
    if (RxJavaPlugins.getErrorHandler() != null) return;
    RxJavaPlugins.setErrorHandler(error -> {
      if (error instanceof UndeliverableException) {
        log.debug("an MQTT client error after its flow had ended: {}", String.valueOf(error.getCause()));
      } else {
        log.warn("an MQTT client error no flow could take", error);
      }
    });
  }
}
