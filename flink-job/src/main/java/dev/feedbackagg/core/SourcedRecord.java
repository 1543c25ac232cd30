package dev.feedbackagg.core;

import org.apache.avro.specific.SpecificRecord;

/** An input record and where it was read (topic, partition, offset): reports and outcomes. */
public interface SourcedRecord<R extends SpecificRecord> {
  /** The record as read; null only in an empty instance. */
  R record();

  String topic();

  int partition();

  long offset();

  /** The record's event time. */
  long time();
}
