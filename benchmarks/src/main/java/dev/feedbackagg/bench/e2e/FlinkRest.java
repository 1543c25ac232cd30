package dev.feedbackagg.bench.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small client of Flink's REST API: upload a jar, run it with an entry class, follow, cancel,
 * read vertex metrics and checkpoint statistics. Jobs it started and that still run are cancelled
 * by {@link #cancelStarted()} (also called from a shutdown hook), jars it uploaded are deleted by
 * {@link #deleteUploaded()}.
 */
final class FlinkRest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Set<String> TERMINAL = Set.of("FINISHED", "FAILED", "CANCELED");

  private final String base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Set<String> started = ConcurrentHashMap.newKeySet();
  private final Set<String> uploaded = ConcurrentHashMap.newKeySet();

  FlinkRest(String base) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  String base() {
    return base;
  }

  JsonNode get(String path) throws IOException {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), path);
  }

  private JsonNode send(HttpRequest.Builder request, String what) throws IOException {
    HttpResponse<String> r;
    try {
      r = http.send(request.timeout(Duration.ofSeconds(300)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + what, e);
    } catch (IOException e) {
      throw new IOException("Flink REST " + what + ": no answer from " + base + " (" + e + ")", e);
    }
    if (r.statusCode() / 100 != 2) {
      throw new IOException("Flink REST " + what + ": HTTP " + r.statusCode() + ": " + abbreviate(r.body()));
    }
    return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
  }

  /** POST /jars/upload; returns the jar id. */
  String upload(Path jar) throws IOException {
    String boundary = "----bench" + UUID.randomUUID();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
            + jar.getFileName() + "\"\r\nContent-Type: application/java-archive\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8));
    body.write(Files.readAllBytes(jar));
    body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    JsonNode r =
        send(
            HttpRequest.newBuilder(URI.create(base + "/jars/upload"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())),
            "upload " + jar);
    String filename = r.path("filename").asText();
    String id = filename.substring(filename.lastIndexOf('/') + 1);
    if (id.isEmpty()) {
      throw new IOException("upload of " + jar + " answered without a file name: " + r);
    }
    uploaded.add(id);
    return id;
  }

  /** POST /jars/ID/run; returns the job id. */
  String run(String jarId, String entryClass, List<String> args) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("entryClass", entryClass);
    ArrayNode list = body.putArray("programArgsList");
    args.forEach(list::add);
    JsonNode r =
        send(
            HttpRequest.newBuilder(URI.create(base + "/jars/" + jarId + "/run"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())),
            "run " + entryClass);
    String jobId = r.path("jobid").asText();
    if (jobId.isEmpty()) {
      throw new IOException("run answered without a job id: " + r);
    }
    started.add(jobId);
    return jobId;
  }

  JsonNode job(String jobId) throws IOException {
    return get("/jobs/" + jobId);
  }

  /** PATCH /jobs/ID?mode=cancel, then waits (bounded) for a terminal state. */
  void cancel(String jobId) throws IOException {
    try {
      send(
          HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId + "?mode=cancel"))
              .method("PATCH", HttpRequest.BodyPublishers.noBody()),
          "cancel " + jobId);
    } catch (IOException e) {
      if (!TERMINAL.contains(job(jobId).path("state").asText())) {
        throw e;
      }
    }
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (TERMINAL.contains(job(jobId).path("state").asText())) {
        started.remove(jobId);
        return;
      }
      sleep(200);
    }
    throw new IOException("job " + jobId + " not cancelled after 60 s");
  }

  /** Polls until the job is FINISHED, FAILED or CANCELED (or the timeout, then cancels it). */
  JsonNode awaitTerminal(String jobId, Duration timeout, Runnable everyPoll) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode j = job(jobId);
      if (TERMINAL.contains(j.path("state").asText())) {
        started.remove(jobId);
        return j;
      }
      if (j.path("state").asText().equals("RESTARTING")) {
        // A failover spoils the figure, and one that cannot recover (a lost TaskManager) would
        // otherwise be waited out until the timeout.
        String cause = rootException(jobId);
        cancel(jobId);
        throw new IOException("job " + jobId + " failed and is restarting: cancelled. " + cause);
      }
      if (System.nanoTime() > deadline) {
        cancel(jobId);
        throw new IOException("job " + jobId + " did not end within " + timeout.toSeconds() + " s: cancelled");
      }
      if (everyPoll != null) {
        everyPoll.run();
      }
      sleep(200);
    }
  }

  /**
   * Waits until the cluster has the slots free (a finished job's slots come back shortly after it
   * ends) and fails when another job is running: the figures need the cluster to themselves.
   */
  void awaitFreeSlots(int slots, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode o = get("/overview");
      if (o.path("jobs-running").asInt() > 0) {
        throw new IOException(o.path("jobs-running").asInt() + " job(s) already run on " + base
            + ": the benchmark needs the cluster to itself (see " + base + "/#/overview)");
      }
      if (o.path("slots-available").asInt() >= slots) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("only " + o.path("slots-available").asInt() + " of " + slots + " slots free on " + base);
      }
      sleep(200);
    }
  }

  /**
   * Fails when the JobManager's metaspace has less than minFreeMb left. Every job run on a session
   * cluster leaves about 20 MB of classes in the JobManager's metaspace (its Kafka connector's user
   * class loader is not collected); when the metaspace is full the JobManager dies with
   * OutOfMemoryError: Metaspace and takes the running job with it. Better to stop before.
   */
  void checkJobManagerMetaspace(double minFreeMb) throws IOException {
    double[] m = jobManagerMetaspaceMb();
    if (m[1] > 0 && m[1] - m[0] < minFreeMb) {
      throw new IOException(String.format(java.util.Locale.ROOT,
          "the JobManager at %s has %.0f of %.0f MB metaspace left, less than the %.0f MB needed (each job"
              + " run on a session cluster leaves ~20 MB behind): restart Flink first"
              + " (deploy/local/flink.sh stop; deploy/local/flink.sh start)", base, m[1] - m[0], m[1], minFreeMb));
    }
  }

  /** {used, max} metaspace of the JobManager in MB; NaN when the metrics do not answer. */
  double[] jobManagerMetaspaceMb() throws IOException {
    JsonNode m = JSON.createArrayNode();
    for (int i = 0; i < 20 && m.size() < 2; i++) { // the metric fetcher may answer empty at first
      m = get("/jobmanager/metrics?get=Status.JVM.Memory.Metaspace.Used,Status.JVM.Memory.Metaspace.Max");
      if (m.size() < 2) {
        sleep(250);
      }
    }
    double used = Double.NaN;
    double max = Double.NaN;
    for (JsonNode x : m) {
      double mb = x.path("value").asDouble(Double.NaN) / (1024 * 1024);
      if (x.path("id").asText().endsWith("Used")) {
        used = mb;
      } else {
        max = mb;
      }
    }
    return new double[] {used, max};
  }

  /** Waits until the job and all its tasks run (records flow only then). */
  void awaitAllTasksRunning(String jobId, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode j = job(jobId);
      String state = j.path("state").asText();
      if (TERMINAL.contains(state)) {
        throw new IOException("job " + jobId + " ended (" + state + ") before it ran: " + rootException(jobId));
      }
      boolean all = state.equals("RUNNING") && j.path("vertices").size() > 0;
      for (JsonNode v : j.path("vertices")) {
        all &= v.path("status").asText().equals("RUNNING");
      }
      if (all) {
        return;
      }
      sleep(200);
    }
    throw new IOException("job " + jobId + " not running after " + timeout.toSeconds() + " s");
  }

  /** The root exception of a failed job, abbreviated. */
  String rootException(String jobId) {
    try {
      JsonNode entries = get("/jobs/" + jobId + "/exceptions").path("exceptionHistory").path("entries");
      if (entries.size() == 0) {
        return "(no exception recorded)";
      }
      // The oldest entry is the first failure; the newest often only says "recovery is suppressed".
      JsonNode first = entries.get(entries.size() - 1);
      String trace = first.path("stacktrace").asText("");
      int cut = 0;
      for (int i = 0, lines = 0; i < trace.length() && lines < 12; i++) {
        if (trace.charAt(i) == '\n') {
          lines++;
          cut = i;
        }
      }
      return first.path("taskName").asText("") + ": " + (cut > 0 ? trace.substring(0, cut) : trace);
    } catch (IOException e) {
      return "(exceptions unavailable: " + e.getMessage() + ")";
    }
  }

  /**
   * Aggregated subtask metrics of a vertex: name -> {min, max, avg}; metrics that are not
   * available (yet) are absent. Flink's REST metric fetcher refreshes every 10 s by default.
   */
  Map<String, double[]> subtaskMetrics(String jobId, String vertexId, List<String> names) throws IOException {
    String query = URLEncoder.encode(String.join(",", names), StandardCharsets.UTF_8);
    JsonNode r = get("/jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/metrics?get=" + query);
    Map<String, double[]> out = new LinkedHashMap<>();
    for (JsonNode m : r) {
      double min = m.path("min").asDouble(Double.NaN);
      double max = m.path("max").asDouble(Double.NaN);
      double avg = m.path("avg").asDouble(Double.NaN);
      if (!Double.isNaN(avg)) {
        out.put(m.path("id").asText(), new double[] {min, max, avg});
      }
    }
    return out;
  }

  JsonNode checkpoints(String jobId) throws IOException {
    return get("/jobs/" + jobId + "/checkpoints");
  }

  /** Cancels the jobs this client started that have not ended; never throws. */
  void cancelStarted() {
    for (String id : new ArrayList<>(started)) {
      try {
        if (!TERMINAL.contains(job(id).path("state").asText())) {
          System.err.println("cancelling job " + id);
          cancel(id);
        }
        started.remove(id);
      } catch (IOException e) {
        System.err.println("cancelling job " + id + " failed: " + e.getMessage());
      }
    }
  }

  /** Deletes the jars this client uploaded; never throws. */
  void deleteUploaded() {
    for (String id : new ArrayList<>(uploaded)) {
      try {
        send(HttpRequest.newBuilder(URI.create(base + "/jars/" + id)).DELETE(), "delete jar " + id);
        uploaded.remove(id);
      } catch (IOException e) {
        System.err.println("deleting jar " + id + " failed: " + e.getMessage());
      }
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String abbreviate(String s) {
    s = s.replace("\\n", "\n").replace("\\t", "  ");
    return s.length() > 2000 ? s.substring(0, 2000) + " ..." : s;
  }
}
