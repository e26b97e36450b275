package io.fleet.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The detectors' judgement, and that a model restored from its baseline judges as the original would. */
class SensorModelTest {
  private static final AnomalySettings SETTINGS = new AnomalySettings(Map.of(), 100,
      RobustZScore.Settings.DEFAULTS, OnlineMahalanobis.Settings.DEFAULTS);
  private static final List<String> BOTH = List.of(RobustZScore.NAME, OnlineMahalanobis.NAME);

  @Test
  void nothingIsJudgedDuringTheWarmUpAndASpikeAfterItIsAnomalousWithItsExpectedRange() {
    SensorModel model = SensorModel.of(BOTH, SETTINGS, null);
    Random random = new Random(1);
    for (int i = 0; i < 29; i++) assertThat(model.observe(Map.of("t", 100.0 + 50 * random.nextGaussian())).anomalous()).isFalse();
    for (int i = 0; i < 100; i++) model.observe(Map.of("t", 20 + 0.1 * random.nextGaussian()));

    Verdict spike = model.observe(Map.of("t", 25.0));

    assertThat(spike.anomalous()).isTrue();
    assertThat(spike.metrics()).containsExactly("t");
    assertThat(spike.expected().get("t").get(0)).isLessThan(20.0);
    assertThat(spike.expected().get("t").get(1)).isBetween(20.0, 25.0);
    assertThat(spike.detector()).isEqualTo(RobustZScore.NAME);
  }

  @Test
  void aValueThatStopsChangingIsAStuckSensor() {
    SensorModel model = SensorModel.of(List.of(RobustZScore.NAME), SETTINGS, null);
    Random random = new Random(2);
    for (int i = 0; i < 100; i++) model.observe(Map.of("h", 50 + random.nextGaussian()));
    List<Boolean> verdicts = new ArrayList<>();
    for (int i = 0; i < 25; i++) verdicts.add(model.observe(Map.of("h", 50.3)).anomalous());
    assertThat(verdicts.subList(0, 20)).containsOnly(false);
    assertThat(verdicts.subList(20, 25)).containsOnly(true);
  }

  @Test
  void twoReadingsThatBreakTheirRelationAreAnomalousTogetherThoughEachIsInRange() {
    SensorModel model = SensorModel.of(List.of(OnlineMahalanobis.NAME), SETTINGS, null);
    Random random = new Random(3);
    for (int i = 0; i < 500; i++) {
      double t = 20 + 3 * random.nextGaussian();
      model.observe(Map.of("t", t, "h", 80 - 2 * t + 0.3 * random.nextGaussian()));
    }
    assertThat(model.observe(Map.of("t", 23.0, "h", 34.0)).anomalous()).as("on the relation").isFalse();
    Verdict broken = model.observe(Map.of("t", 23.0, "h", 40.0));
    assertThat(broken.anomalous()).as("h is usual, but not with t = 23").isTrue();
    assertThat(broken.metrics()).containsExactly("h", "t");
  }

  @Test
  void aModelRestoredFromItsBaselineJudgesExactlyAsTheOriginal() {
    SensorModel original = SensorModel.of(BOTH, SETTINGS, null);
    Random random = new Random(4);
    for (int i = 0; i < 300; i++) original.observe(reading(random));
    SensorModel restored = SensorModel.of(BOTH, SETTINGS, original.baseline());

    for (int i = 0; i < 200; i++) {
      Map<String, Double> r = i % 50 == 49 ? Map.of("t", 40.0, "h", 20.0) : reading(random);
      assertThat(restored.observe(r)).isEqualTo(original.observe(r));
    }
  }

  private static Map<String, Double> reading(Random random) {
    double t = 20 + random.nextGaussian();
    return Map.of("t", t, "h", 60 - t + 0.2 * random.nextGaussian());
  }
}
