package io.fleet.device;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.pekko.actor.Address;

/**
 * How device ids map to the shards of {@link Device} and to the partitions of {@code fleet.device-events}, aligned
 * so that a partition holds whole shards: a device's shard is sharding's default (its id's hash code modulo the
 * number of shards), and its partition is its shard modulo the topic's partitions. The node whose consumer is
 * assigned a partition then hosts that partition's shards ({@code ShardsFollowPartitions}), and each record is
 * handled where its entity lives, without a network hop. With as many shards as a multiple of the partitions
 * (64 and 8 by default) each partition holds as many shards.
 *
 * <p>Records written by anyone else with Kafka's own partitioner (an edge agent producing straight to Kafka) land
 * in the partition Kafka chooses: still handled, with a hop. Immutable; the partition count is read from the topic
 * when the node starts, so a topic given more partitions later is followed after a restart of every node.
 */
public record DeviceShards(int shards, int partitions) {
  public DeviceShards {
    if (shards < 1 || partitions < 1) throw new IllegalArgumentException("shards and partitions must be positive");
  }

  /** The device's shard, as Pekko's default message extractor computes it (no envelope, hash code). */
  public int shardOf(String deviceId) {
    return Math.abs(deviceId.hashCode() % shards);
  }

  /** The partition of {@code fleet.device-events} the device's records go to. */
  public int partitionOf(String deviceId) {
    return shardOf(deviceId) % partitions;
  }

  /** Where each shard of {@code assigned} partitions should live: {@code at}. */
  public Map<String, Address> shardsOf(Set<Integer> assigned, Address at) {
    Map<String, Address> locations = new TreeMap<>();
    IntStream.range(0, shards).filter(shard -> assigned.contains(shard % partitions))
        .forEach(shard -> locations.put(Integer.toString(shard), at));
    return locations;
  }
}
