package io.fleet.ingest;

import io.fleet.device.DeviceShards;
import io.fleet.infra.IngestProgress;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.external.ExternalShardAllocation;
import org.apache.pekko.cluster.sharding.external.javadsl.ExternalShardAllocationClient;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.kafka.RestrictedConsumer;
import org.apache.pekko.kafka.javadsl.PartitionAssignmentHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When this node's consumer of {@code fleet.device-events} is assigned partitions, asks sharding to move those
 * partitions' shards of the device entity here ({@link DeviceShards}; the entity type uses Pekko's
 * external shard allocation strategy, which moves shards at its next rebalance). Revoked or lost partitions: whoever
 * is assigned them next claims their shards (a shard whose claimed node is gone is allocated as sharding would
 * anyway); {@link IngestProgress} learns which partitions are consumed here, and {@link VitalsCatchUp} reads assigned
 * partitions' recent past again. State: none of its own; the locations live in sharding's replicated data, in memory
 * across the cluster, and are claimed again at every assignment after a restart.
 */
final class ShardsFollowPartitions implements PartitionAssignmentHandler {
  private static final Logger log = LoggerFactory.getLogger(ShardsFollowPartitions.class);

  private final DeviceShards shards;
  private final ExternalShardAllocationClient locations;
  private final Address self;
  private final IngestProgress progress;
  private final VitalsCatchUp catchUp;

  ShardsFollowPartitions(ActorSystem<?> system, String entityType, DeviceShards shards, VitalsCatchUp catchUp) {
    this.shards = shards;
    this.catchUp = catchUp;
    this.progress = IngestProgress.get(system);
    this.locations = ExternalShardAllocation.get(system).getClient(entityType);
    this.self = Cluster.get(system).selfMember().address();
  }

  @Override
  public void onAssign(Set<TopicPartition> assigned, RestrictedConsumer consumer) {
    Set<Integer> partitions = numbers(assigned);
    progress.assigned(partitions);
    if (partitions.isEmpty()) return;
    catchUp.onAssigned(assigned, consumer);
    locations.setShardLocations(shards.shardsOf(partitions, self)).whenComplete((done, failure) -> {
      if (failure != null) log.warn("device shards of partitions {} not claimed for {}", partitions, self, failure);
      else log.info("device shards of partitions {} claimed for {}", partitions, self);
    });
  }

  @Override
  public void onRevoke(Set<TopicPartition> revoked, RestrictedConsumer consumer) {
    progress.revoked(numbers(revoked));
  }

  @Override
  public void onLost(Set<TopicPartition> lost, RestrictedConsumer consumer) {
    progress.revoked(numbers(lost));
  }

  @Override
  public void onStop(Set<TopicPartition> current, RestrictedConsumer consumer) {
    progress.revoked(numbers(current));
  }

  private static Set<Integer> numbers(Set<TopicPartition> partitions) {
    return partitions.stream().map(TopicPartition::partition).collect(Collectors.toSet());
  }
}
