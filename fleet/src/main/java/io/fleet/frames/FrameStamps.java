package io.fleet.frames;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** How a topic's records say which camera a frame is of, its place in the camera's sequence and its capture time. */
@FunctionalInterface
interface FrameStamps {
  FrameHeaders.Stamp read(ConsumerRecord<String, byte[]> record) throws FrameHeaders.Invalid;

  /** Fleet's own frames topic: the record's key and three headers ({@link FrameHeaders}). */
  FrameStamps HEADERS = record -> FrameHeaders.read(record.key(), record.headers());
}
