package io.fleet.frames;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FrameSlotsTest {

  @Test
  void aFrameBeyondTheBoundWaitsUntilOneBeforeItIsDone() {
    FrameSlots slots = new FrameSlots(2);
    assertThat(slots.take()).isDone();
    assertThat(slots.take()).isDone();

    CompletableFuture<Void> third = slots.take();
    assertThat(third).isNotDone();
    slots.give();

    assertThat(third).isDone();
    assertThat(slots.take()).as("both slots taken again").isNotDone();
    assertThat(slots.idle()).isFalse();
  }

  @Test
  void slotsGivenBackLeaveTheCameraIdle() {
    FrameSlots slots = new FrameSlots(1);
    slots.take();
    slots.give();

    assertThat(slots.idle()).isTrue();
  }
}
