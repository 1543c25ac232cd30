package dev.feedbackagg.bench.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * The end-to-end harness of benchmarks/run.sh, on a running Kafka broker and Flink session
 * cluster (deploy/local/up.sh):
 *
 * <pre>
 *   java -cp benchmarks/target/benchmarks.jar dev.feedbackagg.bench.e2e.E2eBench throughput [options]
 *   java -cp benchmarks/target/benchmarks.jar dev.feedbackagg.bench.e2e.E2eBench latency [options]
 * </pre>
 *
 * Tables go to stdout (and are appended to --results FILE when given), progress to stderr. Jobs it
 * started are cancelled, jars it uploaded and topics it created are deleted when it ends, also on
 * Ctrl-C (topics are kept with --keep-topics).
 */
public final class E2eBench {
  private E2eBench() {}

  public static void main(String[] argv) throws Exception {
    if (argv.length == 0 || (!argv[0].equals("throughput") && !argv[0].equals("latency"))) {
      System.err.println("usage: E2eBench throughput|latency [--results FILE] [options]   (--help for the options)");
      System.exit(2);
    }
    String command = argv[0];
    String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
    String results = null;
    for (int i = 0; i + 1 < rest.length; i++) {
      if (rest[i].equals("--results")) {
        results = rest[i + 1];
        String[] shorter = new String[rest.length - 2];
        System.arraycopy(rest, 0, shorter, 0, i);
        System.arraycopy(rest, i + 2, shorter, i, rest.length - i - 2);
        rest = shorter;
        break;
      }
    }
    Args a = command.equals("throughput") ? ThroughputBench.options() : LatencyBench.options();
    try {
      a.parse(rest);
    } catch (Args.Usage u) {
      System.err.println(u.getMessage());
      System.exit(2);
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    String prefix = a.get("--prefix").isEmpty()
        ? (command.equals("throughput") ? "bench-" : "lat-") + stamp : a.get("--prefix");
    FlinkRest flink = new FlinkRest(a.get("--rest"));
    KafkaTopics kafka = new KafkaTopics(a.get("--bootstrap-servers"));
    boolean keep = a.flag("--keep-topics");
    Thread cleanup = new Thread(() -> {
      flink.cancelStarted();
      flink.deleteUploaded();
      if (!keep) {
        kafka.deleteCreated();
      }
    }, "e2e-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    int exit = 0;
    try {
      String table = command.equals("throughput")
          ? new ThroughputBench(a, flink, kafka, prefix).run()
          : new LatencyBench(a, flink, kafka, prefix).run();
      if (results != null) {
        append(Path.of(results), table);
      }
    } catch (Args.Usage u) {
      System.err.println(u.getMessage());
      exit = 2;
    } catch (IOException e) {
      System.err.println("e2e: error: " + e.getMessage());
      exit = 1;
    } catch (Exception e) {
      System.err.println("e2e: error: " + e);
      e.printStackTrace();
      exit = 1;
    }
    // Clean up now (the hook then finds nothing left) and exit: Kafka client threads may linger.
    Runtime.getRuntime().removeShutdownHook(cleanup);
    cleanup.run();
    kafka.close();
    System.exit(exit);
  }

  private static void append(Path file, String text) throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }
}
