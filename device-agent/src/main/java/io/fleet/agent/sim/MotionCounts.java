package io.fleet.agent.sim;

/**
 * Simulated cameras' motion episodes: started, clips uploaded to S3, failed (upload or publish), events
 * acknowledged, and why one of the failed episodes failed (null when none did).
 */
public record MotionCounts(long episodes, long clipsUploaded, long failed, long eventsAcked, String aFailure) {

  public static final MotionCounts NONE = new MotionCounts(0, 0, 0, 0, null);

  public MotionCounts plus(MotionCounts o) {
    return new MotionCounts(episodes + o.episodes, clipsUploaded + o.clipsUploaded, failed + o.failed,
        eventsAcked + o.eventsAcked, aFailure != null ? aFailure : o.aFailure);
  }
}
