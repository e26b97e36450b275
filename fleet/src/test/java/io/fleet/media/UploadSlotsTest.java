package io.fleet.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Uploads are bounded per device and per node, and every slot comes back. */
class UploadSlotsTest {

  @Test
  void aDeviceGetsAtMostItsSlotsAndGetsOneBackWhenAnUploadEnds() {
    UploadSlots slots = new UploadSlots(8, 2);

    assertThat(slots.tryAcquire("cam-1")).isTrue();
    assertThat(slots.tryAcquire("cam-1")).isTrue();
    assertThat(slots.tryAcquire("cam-1")).isFalse();
    slots.release("cam-1");
    assertThat(slots.tryAcquire("cam-1")).isTrue();
    assertThat(slots.inUse()).isEqualTo(2);
  }

  @Test
  void theNodeLimitHoldsAcrossDevicesAndARefusalTakesNothing() {
    UploadSlots slots = new UploadSlots(3, 2);

    assertThat(slots.tryAcquire("cam-1")).isTrue();
    assertThat(slots.tryAcquire("cam-2")).isTrue();
    assertThat(slots.tryAcquire("cam-3")).isTrue();
    assertThat(slots.tryAcquire("cam-4")).isFalse();
    assertThat(slots.inUse()).isEqualTo(3);
    slots.release("cam-2");
    assertThat(slots.tryAcquire("cam-4")).isTrue();
  }

  @Test
  void aDeviceAtItsLimitDoesNotUseUpTheNodesSlots() {
    UploadSlots slots = new UploadSlots(3, 1);
    slots.tryAcquire("cam-1");

    for (int i = 0; i < 10; i++) assertThat(slots.tryAcquire("cam-1")).isFalse();

    assertThat(slots.inUse()).isEqualTo(1);
    assertThat(slots.tryAcquire("cam-2")).isTrue();
    assertThat(slots.tryAcquire("cam-3")).isTrue();
  }
}
