package io.fleet.alerts;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a reader of a topic stands: the next offset to read in every partition. Written as
 * {@code 0-12.1-7.2-0} (partition-offset pairs), which is what a live stream sends as each event's
 * {@code id}, so a client that comes back with {@code Last-Event-ID} resumes exactly after the last event
 * it received — from Kafka's log, which is the durable record of every alert.
 */
public record FeedPosition(Map<Integer, Long> next) {

  public FeedPosition {
    next = Map.copyOf(new TreeMap<>(next));
  }

  /** The position after reading {@code offset} of {@code partition}. */
  public FeedPosition after(int partition, long offset) {
    Map<Integer, Long> moved = new TreeMap<>(next);
    moved.put(partition, offset + 1);
    return new FeedPosition(moved);
  }

  public Map<TopicPartition, Long> offsets(String topic) {
    return next.entrySet().stream().collect(Collectors.toMap(e -> new TopicPartition(topic, e.getKey()), Map.Entry::getValue));
  }

  public String encode() {
    return new TreeMap<>(next).entrySet().stream().map(e -> e.getKey() + "-" + e.getValue()).collect(Collectors.joining("."));
  }

  /** @throws IllegalArgumentException when the text is not a position this feed handed out. */
  public static FeedPosition decode(String text) {
    try {
      Map<Integer, Long> next = new TreeMap<>();
      for (String pair : text.split("\\.")) {
        String[] po = pair.split("-");
        if (po.length != 2) throw new IllegalArgumentException(pair);
        int partition = Integer.parseInt(po[0]);
        long offset = Long.parseLong(po[1]);
        if (partition < 0 || offset < 0) throw new IllegalArgumentException(pair);
        next.put(partition, offset);
      }
      return new FeedPosition(next);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("Last-Event-ID '" + text + "' is not an event id of this stream");
    }
  }
}
