package io.fleet.frames;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class FrameMetricsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void aCameraNotKnownToBeRegisteredAddsNoMeterAndItsCountsArriveWhenItIs() {
    FrameMetrics metrics = FrameMetrics.pending("made-up-7");
    metrics.processed(System.currentTimeMillis());
    metrics.processed(System.currentTimeMillis());
    metrics.dropped("duplicate");
    assertThat(registry.getMeters()).isEmpty();

    metrics.publish(registry);
    metrics.processed(System.currentTimeMillis());
    assertThat(registry.get("fleet_frames_processed").tag("camera", "made-up-7").counter().count()).isEqualTo(3);
    assertThat(registry.get("fleet_frames_dropped").tag("reason", "duplicate").counter().count()).isEqualTo(1);
    assertThat(registry.get("fleet_frame_lag_seconds").tag("camera", "made-up-7").gauge()).isNotNull();
  }

  @Test
  void forgettingACameraRemovesEveryMeterOfItAndNoOther() {
    new FrameMetrics(registry, "cam-1").processed(System.currentTimeMillis());
    new FrameMetrics(registry, "cam-2").clip("stored");

    FrameMetrics.forget(registry, "cam-1");

    assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTag("camera")).isEqualTo("cam-2"));
    assertThat(registry.getMeters()).isNotEmpty();
  }
}
