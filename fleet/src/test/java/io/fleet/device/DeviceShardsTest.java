package io.fleet.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.junit.jupiter.api.Test;

class DeviceShardsTest {
  private final DeviceShards shards = new DeviceShards(64, 8);

  @Test
  void aDevicesShardIsTheOneShardingsDefaultExtractorGivesIt() {
    // What sharding uses for an entity type without an extractor of its own.
    ShardingMessageExtractor<ShardingEnvelope<Object>, Object> pekko = ShardingMessageExtractor.apply(64);
    IntStream.range(0, 10_000).mapToObj(i -> "device-" + i + "-" + (i * 7919)).forEach(id ->
        assertThat(Integer.toString(shards.shardOf(id))).as(id).isEqualTo(pekko.shardId(id)));
  }

  @Test
  void everyDeviceOfAShardGoesToTheSamePartition() {
    IntStream.range(0, 10_000).mapToObj(i -> "cam-" + i).forEach(id -> {
      assertThat(shards.partitionOf(id)).isBetween(0, 7).isEqualTo(shards.shardOf(id) % 8);
    });
  }

  @Test
  void thePartitionsAssignedToANodeBringExactlyTheirShards() {
    Address node = new Address("pekko", "fleet", "10.0.0.1", 25520);
    Map<String, Address> locations = shards.shardsOf(Set.of(1, 6), node);
    assertThat(locations).hasSize(16).allSatisfy((shard, at) -> {
      assertThat(Integer.parseInt(shard) % 8).isIn(1, 6);
      assertThat(at).isEqualTo(node);
    });
  }
}
