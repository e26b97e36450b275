package io.fleet.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The learned detector's judgement, its bounded window, its recovery from what the device journals, and its selection. */
class OneClassSvmTest {
  private static final OneClassSvm.Settings SETTINGS = OneClassSvm.Settings.DEFAULTS;

  /** A room: temperature on a slow cycle, humidity falling 1.5 % per degree, both with noise. */
  private static final class Room {
    final Random random;
    int step;

    Room(long seed) {
      random = new Random(seed);
    }

    Map<String, Double> next() {
      double cycle = 2 * Math.sin(2 * Math.PI * step++ / 1440);
      return reading(21 + cycle + 0.15 * random.nextGaussian(), 55 - 1.5 * cycle + 0.4 * random.nextGaussian());
    }
  }

  private static Map<String, Double> reading(double t, double h) {
    return Map.of("t", Math.round(t * 100) / 100.0, "h", Math.round(h * 100) / 100.0);
  }

  private static OneClassSvm trained(Room room, int readings) {
    OneClassSvm d = new OneClassSvm(SETTINGS);
    for (int i = 0; i < readings; i++) d.observe(room.next());
    return d;
  }

  @Test
  void nothingIsJudgedBeforeTheWarmUpAndASpikeAfterItIsAnomalousWithTheRangeItWasTrainedOn() {
    OneClassSvm d = new OneClassSvm(SETTINGS);
    Random wild = new Random(1);
    for (int i = 0; i < SETTINGS.warmup(); i++) {
      assertThat(d.observe(reading(100 * wild.nextGaussian(), 100 * wild.nextGaussian())).anomalous()).isFalse();
    }
    Room room = new Room(2);
    d = trained(room, 400);
    Map<String, Double> usual = room.next();

    Verdict spike = d.observe(reading(usual.get("t") + 6, usual.get("h")));

    assertThat(spike.anomalous()).isTrue();
    assertThat(spike.detector()).isEqualTo(OneClassSvm.NAME);
    assertThat(spike.metrics()).as("humidity is as usual").containsExactly("t");
    assertThat(spike.score()).isGreaterThan(SETTINGS.threshold());
    List<Double> expected = spike.expected().get("t");
    assertThat(expected.get(0)).isBetween(usual.get("t") - 2, usual.get("t"));
    assertThat(expected.get(1)).isBetween(usual.get("t"), usual.get("t") + 2);
  }

  @Test
  void normalReadingsAreNormalWithAScoreBelowTheThreshold() {
    Room room = new Room(3);
    OneClassSvm d = trained(room, 600);
    List<Verdict> verdicts = new ArrayList<>();
    for (int i = 0; i < 300; i++) verdicts.add(d.observe(room.next()));
    assertThat(verdicts.stream().filter(Verdict::anomalous).count()).as("false alarms in 300 normal readings").isLessThanOrEqualTo(1);
    assertThat(verdicts.get(299).score()).isLessThan(SETTINGS.threshold());
  }

  @Test
  void aValueThatStopsMovingIsAnomalousThoughItIsAUsualValue() {
    Room room = new Room(4);
    OneClassSvm d = trained(room, 600);
    double stuck = room.next().get("h");
    List<Boolean> verdicts = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      Map<String, Double> r = room.next();
      verdicts.add(d.observe(reading(r.get("t"), stuck)).anomalous());
    }
    assertThat(verdicts.subList(20, 30)).as("stuck for 20 readings and more").containsOnly(true);
  }

  @Test
  void humidityOffItsRelationToTemperatureIsAnomalousThoughBothAreInRange() {
    Room room = new Room(5);
    OneClassSvm d = trained(room, 1500);
    int anomalous = 0;
    for (int i = 0; i < 20; i++) {
      Map<String, Double> r = room.next();
      // h + 3: still within the 52–58 % the cycle spans, but not at this temperature.
      if (d.observe(reading(r.get("t"), r.get("h") + 3)).anomalous()) anomalous++;
    }
    assertThat(anomalous).isGreaterThanOrEqualTo(15);
  }

  @Test
  void readingsWithoutItsMetricsOrWithNonFiniteValuesAreNeitherJudgedNorLearned() {
    Room room = new Room(9);
    OneClassSvm d = trained(room, 400);
    OneClassSvm.State before = d.state();

    assertThat(d.observe(Map.of("t", 80.0)).anomalous()).as("h missing").isFalse();
    assertThat(d.observe(Map.of("t", Double.NaN, "h", 55.0)).anomalous()).isFalse();
    assertThat(d.observe(Map.of("t", Double.POSITIVE_INFINITY, "h", 55.0)).anomalous()).isFalse();

    assertThat(d.state()).isEqualTo(before);
    assertThat(d.observe(reading(80, 55)).anomalous()).as("still judging").isTrue();
  }

  @Test
  void theWindowStaysBoundedAndCoversTheHistoryEvenly() {
    OneClassSvm d = trained(new Room(6), 3000);
    OneClassSvm.State s = d.state();
    assertThat(s.window()).hasSize(SETTINGS.window() * 2 * 2);
    assertThat(s.stride()).isEqualTo(SETTINGS.stride());
    assertThat(s.recent()).hasSize((SETTINGS.motionOver() + 1) * 2);
  }

  @ParameterizedTest(name = "saved after {0} readings")
  @ValueSource(ints = {400, 700})
  void aDetectorRestoredFromItsStateJudgesAtOnceAndAfterItsNextTrainingExactlyAsTheOriginal(int readings) {
    Room room = new Room(7);
    OneClassSvm original = trained(room, readings);
    OneClassSvm restored = OneClassSvm.restore(SETTINGS, original.state());
    OneClassSvm relearning = new OneClassSvm(SETTINGS);

    for (int i = 0; i < 200; i++) {
      Map<String, Double> r = i % 50 == 3 ? reading(35, 20) : room.next();
      Verdict o = original.observe(r);
      Verdict back = restored.observe(r);
      Verdict fresh = relearning.observe(r);
      if (i == 3) {
        assertThat(back.anomalous()).as("the first anomaly after the restart").isTrue();
        assertThat(fresh.anomalous()).as("a detector learning again is silent").isFalse();
      }
      assertThat(back.anomalous()).as("reading %d", i).isEqualTo(o.anomalous());
      if (i >= SETTINGS.retrainEvery()) assertThat(back).as("reading %d", i).isEqualTo(o);
    }
    assertThat(restored.state()).isEqualTo(original.state());
  }

  @Test
  void itIsSelectedPerDeviceTypeInConfigurationAndItsStateIsPartOfTheBaseline() {
    AnomalySettings settings = AnomalySettings.fromConfig(ConfigFactory.parseString(
        "anomaly.detectors { sensor = [one-class-svm], camera = [] }\n"
            + "anomaly.one-class-svm.threshold = 0.7").withFallback(ConfigFactory.load().getConfig("fleet")));
    assertThat(settings.detectorsFor("sensor")).containsExactly(OneClassSvm.NAME);
    assertThat(settings.oneClassSvm().threshold()).isEqualTo(0.7);
    assertThat(SensorModel.of(settings.detectorsFor("camera"), settings, null).judges()).isFalse();

    SensorModel model = SensorModel.of(settings.detectorsFor("sensor"), settings, null);
    Room room = new Room(8);
    for (int i = 0; i < 400; i++) model.observe(room.next());
    assertThat(model.baseline().robustZ()).isNull();
    assertThat(model.baseline().oneClassSvm().window()).isNotEmpty();
    assertThat(model.observe(reading(30, 55)).detector()).isEqualTo(OneClassSvm.NAME);
  }

  @Test
  void nonsenseSettingsAreRefusedWithTheirName() {
    assertThatThrownBy(() -> new OneClassSvm.Settings(180, 8, 120, 10, 10, 30, 1.5, 0.07, 0.5, 0.65, 360))
        .hasMessageContaining("one-class-svm").hasMessageContaining("nu");
    assertThatThrownBy(() -> new OneClassSvm.Settings(100, 8, 120, 10, 10, 30, 0.02, 0.07, 0.5, 0.65, 360))
        .hasMessageContaining("warmup");
  }
}
