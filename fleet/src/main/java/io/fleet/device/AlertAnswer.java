package io.fleet.device;

import io.fleet.CborSerializable;

/**
 * A device's answer to acknowledging or clearing one of its alerts: what happened, and the alert at its
 * latest revision (null when not found). {@code detail} says why a change was refused.
 */
public record AlertAnswer(Outcome outcome, Alert alert, String detail) implements CborSerializable {

  public enum Outcome {
    /** The alert changed state; the new revision is journaled. */
    CHANGED,
    /** It was in that state already (acknowledging twice, clearing twice): nothing journaled. */
    UNCHANGED,
    /** The device has no such alert (or no longer remembers it). */
    NOT_FOUND,
    /** Not allowed from the alert's state (acknowledging a cleared alert). */
    CONFLICT
  }

  static AlertAnswer notFound(String alertId) {
    return new AlertAnswer(Outcome.NOT_FOUND, null, "no alert " + alertId);
  }
}
