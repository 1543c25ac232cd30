package dev.feedbackagg.bench.e2e;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Latency of the real job (unbounded) from an item's last report to its aggregate being readable:
 * a producer in this JVM sends items at a steady rate with event time = wall-clock now, a
 * read_committed consumer in this JVM reads the aggregated topic and matches each record by
 * prompt_id to the System.nanoTime() taken just before the item's last report was handed to the
 * producer. Once in at-least-once (--checkpoint-interval 0: no checkpoints, at-least-once sinks)
 * and once in exactly-once (a transaction commits at each checkpoint, so up to one interval more).
 *
 * <p>The job holds events until the watermark passes them: --max-out-of-orderness (200 ms here)
 * plus the watermark interval (200 ms, Flink's default) add to every latency. The outcomes topic
 * gets no records, so --idleness (1 s here) lets its idle source stop holding the watermark back.
 * Items of the first --warmup are not measured; after --measure the producer goes on for --tail so
 * that the watermark passes the last measured items.
 */
final class LatencyBench {
  static final String OURS_ENTRY = ThroughputBench.OURS_ENTRY;
  /** The histogram's range: one hour in microseconds. */
  static final long HOUR_MICROS = 3_600_000_000L;

  private final Args a;
  private final FlinkRest rest;
  private final KafkaTopics kafka;
  private final String prefix;
  private final StringBuilder report = new StringBuilder();

  LatencyBench(Args a, FlinkRest rest, KafkaTopics kafka, String prefix) {
    this.a = a;
    this.rest = rest;
    this.kafka = kafka;
    this.prefix = prefix;
  }

  static Args options() {
    return new Args("latency")
        .option("--bootstrap-servers", "127.0.0.1:9092", "Kafka")
        .option("--rest", "http://localhost:8081", "Flink REST API")
        .option("--job-jar", "flink-job/target/feedback-aggregation.jar", "the real job's jar")
        .option("--modes", "alo,eo", "alo (at-least-once, no checkpoints) and/or eo (exactly-once)")
        .option("--rate", "4000", "reports per second")
        .option("--labels", "4", "reports per item (= expected_labels)")
        .option("--cohorts", "1", "cohorts the items are spread over")
        .option("--warmup", "5s", "first items not measured")
        .option("--measure", "30s", "items measured")
        .option("--tail", "3s", "items sent after the measured ones (move the watermark past them)")
        .option("--checkpoint-interval", "5s", "checkpoint interval of the exactly-once mode")
        .option("--max-out-of-orderness", "200ms", "the job's watermark bound")
        .option("--idleness", "1s", "the job's source idleness")
        .option("--parallelism", "2", "job parallelism")
        .option("--prefix", "", "topic, group and transactional id prefix (default: lat-TIME)")
        .flag("--keep-topics", "keep the topics this run creates");
  }

  String run() throws Exception {
    String jarId = rest.upload(Path.of(a.get("--job-jar")));
    List<String[]> rows = new ArrayList<>();
    for (String mode : a.list("--modes")) {
      if (!mode.equals("alo") && !mode.equals("eo")) {
        throw new Args.Usage("unknown mode " + mode + " (alo, eo)");
      }
      rows.add(measure(jarId, mode));
    }
    out("");
    out("Latency: an item's last report handed to the producer -> its aggregate read by a read_committed consumer"
        + " (one JVM, System.nanoTime)");
    out("load: %s reports/s, %s reports per item, %s cohort(s), event time = wall clock; job: unbounded,"
        + " parallelism %s, heap state, --max-out-of-orderness %s, --idleness %s; warm-up %s, measured %s",
        a.get("--rate"), a.get("--labels"), a.get("--cohorts"), a.get("--parallelism"),
        a.get("--max-out-of-orderness"), a.get("--idleness"), a.get("--warmup"), a.get("--measure"));
    out("%-40s %8s %8s %8s %8s %8s %8s %8s", "mode", "items", "missing", "p50 ms", "p90 ms", "p99 ms", "max ms",
        "sent/s");
    for (String[] r : rows) {
      out("%-40s %8s %8s %8s %8s %8s %8s %8s", (Object[]) r);
    }
    return report.toString();
  }

  private String[] measure(String jarId, String mode) throws Exception {
    boolean eo = mode.equals("eo");
    String name = prefix + "-" + mode;
    String reports = name + ".reports";
    String outcomes = name + ".outcomes";
    String aggregated = name + ".aggregated";
    kafka.create(reports, 4);
    kafka.create(outcomes, 4);
    kafka.createJobOutputs(name);
    Duration interval = eo ? a.duration("--checkpoint-interval") : Duration.ZERO;
    List<String> args = List.of("job", "--bootstrap-servers", kafka.bootstrap(), "--reports-topic", reports,
        "--outcomes-topic", outcomes, "--aggregated-topic", aggregated, "--regret-topic", name + ".regret",
        "--weights-topic", name + ".labeler-weights", "--dlq-topic", name + ".dlq", "--group-id", name,
        "--transactional-id-prefix", name, "--job-name", name, "--checkpoint-interval",
        Args.jobDuration(interval), "--parallelism", a.get("--parallelism"),
        "--max-out-of-orderness", a.get("--max-out-of-orderness"), "--idleness", a.get("--idleness"),
        "--state-backend", "hashmap");
    rest.awaitFreeSlots(a.integer("--parallelism"), Duration.ofSeconds(60));
    rest.checkJobManagerMetaspace(30);
    String jobId = rest.run(jarId, OURS_ENTRY, args);
    ThroughputBench.log("latency %s: job %s submitted", mode, jobId);
    try {
      rest.awaitAllTasksRunning(jobId, Duration.ofSeconds(120));
      return drive(mode, eo, interval, aggregated, reports, jobId);
    } finally {
      rest.cancel(jobId);
    }
  }

  private String[] drive(String mode, boolean eo, Duration interval, String aggregated, String reportsTopic,
      String jobId) throws Exception {
    Map<String, Long> lastSent = new ConcurrentHashMap<>();
    Histogram histogram = new Histogram(HOUR_MICROS, 3);
    AtomicLong received = new AtomicLong();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> consumerFailure = new AtomicReference<>();

    Properties cp = new Properties();
    cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
    cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    cp.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "50");
    cp.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    cp.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    Thread consumer = new Thread(() -> {
      try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp)) {
        List<TopicPartition> ps = new ArrayList<>();
        c.partitionsFor(aggregated, Duration.ofSeconds(30))
            .forEach(p -> ps.add(new TopicPartition(aggregated, p.partition())));
        c.assign(ps);
        c.seekToBeginning(ps);
        while (!stop.get()) {
          for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(20))) {
            long now = System.nanoTime();
            Long sent = lastSent.remove(new String(r.key(), StandardCharsets.UTF_8));
            if (sent != null) {
              histogram.recordValue(Math.max(0, (now - sent) / 1000));
              received.incrementAndGet();
            }
          }
        }
      } catch (Throwable t) {
        consumerFailure.set(t);
      }
    }, "latency-consumer");
    consumer.setDaemon(true);
    consumer.start();

    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
    pp.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    SingleObjectCodec<LabelerReport> codec = SingleObjectCodec.of(LabelerReport.class);
    double rate = a.real("--rate");
    int labels = a.integer("--labels");
    int cohorts = a.integer("--cohorts");
    long warmupEnd = a.duration("--warmup").toNanos();
    long measureEnd = warmupEnd + a.duration("--measure").toNanos();
    long tailEnd = measureEnd + a.duration("--tail").toNanos();
    SplittableRandom random = new SplittableRandom(42);
    AtomicReference<Exception> sendFailure = new AtomicReference<>();
    long measured = 0;
    long sentReports = 0;
    long start = System.nanoTime();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(pp)) {
      for (long item = 0; ; item++) {
        long t = System.nanoTime() - start;
        if (t >= tailEnd) {
          break;
        }
        boolean measuredItem = t >= warmupEnd && t < measureEnd;
        String prompt = prefix + "-" + mode + "-p" + item;
        byte[] key = prompt.getBytes(StandardCharsets.UTF_8);
        String cohort = "latency-c" + (item % cohorts);
        for (int i = 0; i < labels; i++) {
          long due = start + (long) (sentReports * 1e9 / rate);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            LockSupport.parkNanos(wait);
          }
          String labeler = String.format(Locale.ROOT, "u%03d", (item * 7 + i) % 200);
          LabelerReport r = new LabelerReport(prompt + "/" + labeler, cohort, prompt, "a", "b", labeler,
              random.nextDouble(), labels, System.currentTimeMillis());
          byte[] value = codec.encode(r);
          if (measuredItem && i == labels - 1) {
            lastSent.put(prompt, System.nanoTime());
            measured++;
          }
          producer.send(new ProducerRecord<>(reportsTopic, key, value), (md, e) -> {
            if (e != null) {
              sendFailure.compareAndSet(null, e);
            }
          });
          sentReports++;
        }
        if (sendFailure.get() != null) {
          throw sendFailure.get();
        }
      }
      producer.flush();
    }
    double sentRate = sentReports / ((System.nanoTime() - start) / 1e9);
    ThroughputBench.log("latency %s: sent %,d reports (%,.0f/s), %,d items measured; waiting for their aggregates",
        mode, sentReports, sentRate, measured);
    long deadline = System.nanoTime() + interval.toNanos() + Duration.ofSeconds(20).toNanos();
    while (received.get() < measured && System.nanoTime() < deadline && consumerFailure.get() == null) {
      FlinkRest.sleep(100);
    }
    stop.set(true);
    consumer.join(30_000);
    if (consumer.isAlive()) {
      throw new IllegalStateException("the latency consumer did not stop");
    }
    if (consumerFailure.get() != null) {
      throw new IllegalStateException("the latency consumer failed", consumerFailure.get());
    }
    String state = rest.job(jobId).path("state").asText();
    if (!state.equals("RUNNING")) {
      throw new IllegalStateException("job " + jobId + " is " + state + ": " + rest.rootException(jobId));
    }
    long n = histogram.getTotalCount(); // the consumer thread has ended (join: happens-before)
    String label = eo ? "exactly-once (checkpoint every " + Args.jobDuration(interval) + ")"
        : "at-least-once (no checkpoints)";
    return new String[] {
      label,
      String.format(Locale.ROOT, "%,d", n),
      String.format(Locale.ROOT, "%,d", measured - n),
      ms(histogram.getValueAtPercentile(50)),
      ms(histogram.getValueAtPercentile(90)),
      ms(histogram.getValueAtPercentile(99)),
      ms(histogram.getMaxValue()),
      String.format(Locale.ROOT, "%,.0f", sentRate)
    };
  }

  private static String ms(long micros) {
    return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
  }

  private void out(String format, Object... args) {
    String line = String.format(Locale.ROOT, format, args);
    System.out.println(line);
    report.append(line).append('\n');
  }
}
