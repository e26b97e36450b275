package io.fleet.vision.detect;

import io.fleet.vision.camera.SyntheticScene.Episode;
import java.util.List;

/**
 * Event-level precision and recall: a detected event matches the first still unmatched true episode during which
 * it started (a little slack for a start a frame early); each episode matches at most one event, so an episode
 * split into two events costs precision, and two episodes merged into one event cost recall.
 */
record EventScore(int truePositives, int detected, int episodes) {

  static EventScore of(List<DetectedEvents.Event> events, List<Episode> episodes, int slackFrames) {
    boolean[] matched = new boolean[episodes.size()];
    int hits = 0;
    for (DetectedEvents.Event event : events) {
      for (int e = 0; e < episodes.size(); e++) {
        Episode episode = episodes.get(e);
        if (!matched[e] && event.firstFrame() >= episode.firstFrame() - slackFrames
            && event.firstFrame() <= episode.lastFrame()) {
          matched[e] = true;
          hits++;
          break;
        }
      }
    }
    return new EventScore(hits, events.size(), episodes.size());
  }

  EventScore plus(EventScore other) {
    return new EventScore(truePositives + other.truePositives, detected + other.detected, episodes + other.episodes);
  }

  double precision() {
    return detected == 0 ? 1 : truePositives / (double) detected;
  }

  double recall() {
    return episodes == 0 ? 1 : truePositives / (double) episodes;
  }

  @Override
  public String toString() {
    return String.format("precision %.3f (%d of %d events), recall %.3f (%d of %d episodes)",
        precision(), truePositives, detected, recall(), truePositives, episodes);
  }
}
