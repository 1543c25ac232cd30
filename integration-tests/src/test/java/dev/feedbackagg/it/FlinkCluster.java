package dev.feedbackagg.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * A real Flink standalone session cluster: a JobManager and TaskManagers, each a separate JVM started
 * from the jars that {@code mvn -B package -pl deploy/flink-cluster} copies to
 * {@code deploy/flink-cluster/target/lib} (the knowledge of {@code deploy/local/flink.sh}, in Java).
 *
 * <p>Everything lives in a fresh folder under the given work folder: the generated
 * {@code conf/config.yaml}, logs, scratch folders, checkpoints and savepoints. REST, RPC and blob
 * server listen on free loopback ports picked at start; TaskManager ports are chosen by the OS.
 * The settings suit fault tests: a killed TaskManager is noticed within seconds (heartbeats every
 * second, 6 s timeout, two failed heartbeat RPCs suffice), a failed job restarts after 1 s up to
 * 1000 times, and the REST API serves fresh job details, exceptions and metrics (0.5 s caches).
 *
 * <p>Jobs are submitted over REST ({@code POST /jars/upload}, {@code POST /jars/ID/run}). {@link
 * #close()} kills every process this fixture started, whatever happened; a JVM shutdown hook does
 * the same if the test JVM ends without closing it.
 */
public final class FlinkCluster implements AutoCloseable {

    /** System property with the cluster classpath folder (set by failsafe in integration-tests/pom.xml). */
    public static final String LIB_PROPERTY = "flink.cluster.lib";
    /** The job jar's entry point: the picocli command whose first argument is the subcommand ({@code job}). */
    public static final String ENTRY_CLASS = "dev.feedbackagg.cli.FeedbackAggregation";

    private static final String JM_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    private static final String TM_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    private static final String HOST = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration REST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration POLL_PAUSE = Duration.ofMillis(100);
    private static final int LOG_TAIL_BYTES = 8_000;
    private static final Set<String> TERMINAL = Set.of("FINISHED", "CANCELED", "FAILED");
    /** The module opens and exports Flink's own start scripts pass on Java 17. */
    private static final List<String> JAVA17_OPTS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
            "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    /** A JVM this fixture started. */
    private record Managed(String name, Process process, Path log, Path out) {}

    /** Cluster settings; {@link #start()} launches it. */
    public static final class Builder {
        private final Path workDir;
        private int slots = 2;
        private int taskManagers = 1;
        private String jobManagerMemory = "1024m";
        private String taskManagerMemory = "1536m";
        private final Map<String, String> extra = new LinkedHashMap<>();

        private Builder(Path workDir) {
            this.workDir = workDir;
        }

        public Builder slotsPerTaskManager(int n) {
            this.slots = n;
            return this;
        }

        public Builder taskManagers(int n) {
            this.taskManagers = n;
            return this;
        }

        public Builder taskManagerMemory(String size) {
            this.taskManagerMemory = size;
            return this;
        }

        /** Any config.yaml entry (added after, so winning over, the fixture's own). */
        public Builder config(String key, String value) {
            extra.put(key, value);
            return this;
        }

        public FlinkCluster start() throws IOException, InterruptedException {
            return FlinkCluster.start(this);
        }
    }

    private final Path lib;
    private final Path dir;
    private final Path confDir;
    private final Path logDir;
    private final Path tmpDir;
    private final Path checkpointDir;
    private final Path savepointDir;
    private final int restPort;
    private final int slotsPerTaskManager;
    private final String baseUrl;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final List<Managed> processes = new CopyOnWriteArrayList<>();
    private final Map<Path, String> uploadedJars = new LinkedHashMap<>();
    private final Thread shutdownHook;
    private List<String> jobManagerParams;
    private List<String> taskManagerParams;
    private int taskManagerCounter;
    private volatile boolean closed;
    private Duration startDuration = Duration.ZERO;

    private FlinkCluster(Path lib, Path dir, int restPort, int slotsPerTaskManager) {
        this.lib = lib;
        this.dir = dir;
        this.confDir = dir.resolve("conf");
        this.logDir = dir.resolve("log");
        this.tmpDir = dir.resolve("tmp");
        this.checkpointDir = dir.resolve("checkpoints");
        this.savepointDir = dir.resolve("savepoints");
        this.restPort = restPort;
        this.slotsPerTaskManager = slotsPerTaskManager;
        this.baseUrl = "http://" + HOST + ":" + restPort;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        this.shutdownHook = new Thread(this::killAll, "flink-cluster-killer-" + restPort);
    }

    public static Builder builder(Path workDir) {
        return new Builder(workDir);
    }

    private static FlinkCluster start(Builder b) throws IOException, InterruptedException {
        Path lib = ProcessFixtures.requireLib(libDir(), "flink-runtime-2", "Flink cluster", "deploy/flink-cluster");
        Files.createDirectories(b.workDir);
        Path dir = Files.createTempDirectory(b.workDir.toAbsolutePath(), "flink-cluster-");
        int[] ports = ProcessFixtures.freeLoopbackPorts(3);
        FlinkCluster cluster = new FlinkCluster(lib, dir, ports[0], b.slots);
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        long startNanos = System.nanoTime();
        try {
            for (Path p : List.of(cluster.confDir, cluster.logDir, cluster.tmpDir, cluster.checkpointDir,
                    cluster.savepointDir, dir.resolve("web"), dir.resolve("work"), dir.resolve("plugins"))) {
                Files.createDirectories(p);
            }
            cluster.writeConfig(b, ports[1], ports[2]);
            cluster.computeMemoryParams();
            cluster.launch("jobmanager", JM_MAIN, cluster.jobManagerParams.get(0),
                    cluster.jobManagerParams.subList(1, cluster.jobManagerParams.size()));
            for (int i = 0; i < b.taskManagers; i++) {
                cluster.launchTaskManager();
            }
            cluster.awaitSlots(b.taskManagers * b.slots, b.taskManagers);
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
        cluster.startDuration = Duration.ofNanos(System.nanoTime() - startNanos);
        return cluster;
    }

    /**
     * The cluster classpath: system property {@value #LIB_PROPERTY}, else
     * {@code ../deploy/flink-cluster/target/lib} relative to the working directory (the module folder).
     */
    public static Path libDir() {
        String configured = System.getProperty(LIB_PROPERTY);
        Path path = configured == null || configured.isBlank()
                ? Path.of("..", "deploy", "flink-cluster", "target", "lib")
                : Path.of(configured);
        return path.toAbsolutePath().normalize();
    }

    /** The REST API and web UI, {@code http://127.0.0.1:PORT}. */
    public String restUrl() {
        return baseUrl;
    }

    /** The cluster's folder: conf/, log/, checkpoints/, savepoints/, tmp/. */
    public Path directory() {
        return dir;
    }

    public Path checkpointDirectory() {
        return checkpointDir;
    }

    public Path savepointDirectory() {
        return savepointDir;
    }

    /** From the first launch until the REST API reported every TaskManager's slots. */
    public Duration startDuration() {
        return startDuration;
    }

    @Override
    public String toString() {
        return "FlinkCluster[" + baseUrl + ", " + dir + "]";
    }

    // --- Jobs ----------------------------------------------------------------------------------

    /** Uploads the jar (once per cluster) and runs {@link #ENTRY_CLASS} with {@code args}; returns the job id. */
    public String submit(Path jar, List<String> args) throws IOException, InterruptedException {
        return submit(jar, args, null);
    }

    /**
     * Uploads the jar (once per cluster) and runs {@link #ENTRY_CLASS} with {@code args} (the first
     * one is the subcommand, {@code job}), restoring from {@code savepointPath} when it is not null
     * (all state must be restored: allowNonRestoredState false). Returns the job id.
     */
    public String submit(Path jar, List<String> args, String savepointPath) throws IOException, InterruptedException {
        String jarId = upload(jar);
        ObjectNode body = json.createObjectNode();
        body.put("entryClass", ENTRY_CLASS);
        ArrayNode list = body.putArray("programArgsList");
        args.forEach(list::add);
        if (savepointPath != null) {
            body.put("savepointPath", savepointPath);
            body.put("allowNonRestoredState", false);
        }
        JsonNode answer = send("POST", "/jars/" + jarId + "/run", json.writeValueAsString(body), RUN_TIMEOUT);
        String jobId = answer.path("jobid").asText("");
        if (!jobId.matches("[0-9a-f]{32}")) {
            throw new IllegalStateException("POST /jars/" + jarId + "/run answered without a job id: " + answer);
        }
        return jobId;
    }

    private synchronized String upload(Path jar) throws IOException, InterruptedException {
        Path key = jar.toAbsolutePath().normalize();
        String known = uploadedJars.get(key);
        if (known != null) {
            return known;
        }
        if (!Files.isRegularFile(key)) {
            throw new IllegalStateException("no job jar at " + key + " (build it: mvn -B -q install -DskipTests)");
        }
        String boundary = "----flink-cluster-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"jarfile\"; filename=\"" + key.getFileName() + "\"\r\n"
                + "Content-Type: application/java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(Files.readAllBytes(key));
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/jars/upload"))
                .timeout(RUN_TIMEOUT)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
                .build();
        JsonNode answer = parse("POST /jars/upload", http.send(request, HttpResponse.BodyHandlers.ofString()));
        String filename = answer.path("filename").asText("");
        String jarId = filename.substring(filename.lastIndexOf('/') + 1);
        if (jarId.isEmpty()) {
            throw new IllegalStateException("POST /jars/upload answered without a file name: " + answer);
        }
        uploadedJars.put(key, jarId);
        return jarId;
    }

    /** GET /jobs/ID: state, vertices (status and task counts), timestamps, ... */
    public JsonNode jobDetails(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId);
    }

    /** The job's state: CREATED, RUNNING, RESTARTING, FINISHED, CANCELED, FAILED, ... */
    public String jobStatus(String jobId) throws IOException, InterruptedException {
        return jobDetails(jobId).path("state").asText();
    }

    /**
     * True when the job is RUNNING and every task of every vertex runs (or has finished, as bounded
     * sources do at the end): what "running again" means after a failover, which restarts tasks
     * while the job itself may stay RUNNING.
     */
    public static boolean allTasksRunning(JsonNode details) {
        if (!"RUNNING".equals(details.path("state").asText())) {
            return false;
        }
        JsonNode vertices = details.path("vertices");
        if (!vertices.isArray() || vertices.isEmpty()) {
            return false;
        }
        for (JsonNode v : vertices) {
            int parallelism = v.path("parallelism").asInt(-1);
            JsonNode tasks = v.path("tasks");
            int up = tasks.path("RUNNING").asInt(0) + tasks.path("FINISHED").asInt(0);
            if (up != parallelism) {
                return false;
            }
        }
        return true;
    }

    /**
     * Polls the job's state until it is one of {@code states}; fails at once when the job reaches a
     * terminal state that is not wanted, or when the deadline passes. Returns the state reached.
     */
    public String waitForState(String jobId, Duration timeout, String... states) throws IOException, InterruptedException {
        Set<String> wanted = Set.of(states);
        long deadline = System.nanoTime() + timeout.toNanos();
        String state = "?";
        while (true) {
            state = jobStatus(jobId);
            if (wanted.contains(state)) {
                return state;
            }
            if (TERMINAL.contains(state)) {
                throw new AssertionError("job " + jobId + " is " + state + ", not " + wanted + "; exceptions:\n"
                        + exceptionSummary(jobId) + diagnostics());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("job " + jobId + " not " + wanted + " within " + timeout + " (it is " + state
                        + "); exceptions:\n" + exceptionSummary(jobId) + diagnostics());
            }
            pause();
        }
    }

    /** Polls until {@link #allTasksRunning}; returns the details that satisfied it. */
    public JsonNode waitForAllTasksRunning(String jobId, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode details = jobDetails(jobId);
            if (allTasksRunning(details)) {
                return details;
            }
            String state = details.path("state").asText();
            if (TERMINAL.contains(state)) {
                throw new AssertionError("job " + jobId + " is " + state + " while waiting for its tasks to run;"
                        + " exceptions:\n" + exceptionSummary(jobId) + diagnostics());
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("tasks of job " + jobId + " not all RUNNING within " + timeout + ": "
                        + vertexSummary(details) + diagnostics());
            }
            pause();
        }
    }

    /** "name: STATUS {RUNNING=2}" per vertex. */
    public static String vertexSummary(JsonNode details) {
        List<String> out = new ArrayList<>();
        for (JsonNode v : details.path("vertices")) {
            out.add(v.path("name").asText() + ": " + v.path("status").asText() + " " + v.path("tasks"));
        }
        return details.path("state").asText() + " " + out;
    }

    /**
     * Stop-with-savepoint ({@code POST /jobs/ID/stop}) into the cluster's savepoint folder; with
     * {@code drain} the sources first send the final watermark (all event-time timers fire, as at
     * the end of a bounded input). Waits for the savepoint and for the job to reach FINISHED, and
     * returns the savepoint's path.
     */
    public String stopWithSavepoint(String jobId, boolean drain, Duration timeout) throws IOException, InterruptedException {
        ObjectNode body = json.createObjectNode();
        body.put("drain", drain);
        body.put("targetDirectory", savepointDir.toUri().toString());
        JsonNode answer = send("POST", "/jobs/" + jobId + "/stop", json.writeValueAsString(body), REST_TIMEOUT);
        String request = answer.path("request-id").asText("");
        if (request.isEmpty()) {
            throw new IllegalStateException("POST /jobs/" + jobId + "/stop answered without a request id: " + answer);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode status;
        while (true) {
            status = get("/jobs/" + jobId + "/savepoints/" + request);
            if ("COMPLETED".equals(status.path("status").path("id").asText())) {
                break;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("stop-with-savepoint of job " + jobId + " not done within " + timeout
                        + ": " + status + diagnostics());
            }
            pause();
        }
        String location = status.path("operation").path("location").asText("");
        if (location.isEmpty()) {
            throw new AssertionError("stop-with-savepoint of job " + jobId + " failed: "
                    + status.path("operation").path("failure-cause") + diagnostics());
        }
        waitForState(jobId, timeout, "FINISHED");
        return location;
    }

    /** Cancels the job ({@code PATCH /jobs/ID?mode=cancel}) and waits until it is CANCELED (or already ended). */
    public void cancel(String jobId) throws IOException, InterruptedException {
        String state = jobStatus(jobId);
        if (TERMINAL.contains(state)) {
            return;
        }
        send("PATCH", "/jobs/" + jobId + "?mode=cancel", null, REST_TIMEOUT);
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos() * 2;
        while (!TERMINAL.contains(jobStatus(jobId))) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("job " + jobId + " not cancelled within " + STOP_TIMEOUT.multipliedBy(2));
            }
            pause();
        }
    }

    /**
     * The job's {@code numRestarts} metric (GET /jobs/ID/metrics), or -1 while the JobManager has not
     * published it (or no longer does: a finished job's metrics are gone; use {@link #failures}).
     */
    public long numRestarts(String jobId) throws IOException, InterruptedException {
        JsonNode metrics = get("/jobs/" + jobId + "/metrics?get=numRestarts");
        for (JsonNode m : metrics) {
            if ("numRestarts".equals(m.path("id").asText())) {
                return Long.parseLong(m.path("value").asText("-1"));
            }
        }
        return -1;
    }

    /** One entry of the job's exception history: a failure that the JobManager handled (one per failover). */
    public record Failure(long timestamp, String exceptionName, String taskName, String firstLine) {}

    /** The exception history (GET /jobs/ID/exceptions), oldest first; also served for ended jobs. */
    public List<Failure> failures(String jobId) throws IOException, InterruptedException {
        JsonNode entries = get("/jobs/" + jobId + "/exceptions?maxExceptions=1000").path("exceptionHistory")
                .path("entries");
        List<Failure> out = new ArrayList<>();
        for (JsonNode e : entries) {
            String trace = e.path("stacktrace").asText("");
            int nl = trace.indexOf('\n');
            out.add(new Failure(e.path("timestamp").asLong(), e.path("exceptionName").asText(),
                    e.path("taskName").asText(null), nl < 0 ? trace : trace.substring(0, nl)));
        }
        out.sort((a, b) -> Long.compare(a.timestamp(), b.timestamp()));
        return out;
    }

    /** GET /jobs/ID/checkpoints "counts": completed, failed, restored, in_progress, total. */
    public JsonNode checkpointCounts(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints").path("counts");
    }

    private String exceptionSummary(String jobId) {
        try {
            List<Failure> f = failures(jobId);
            return f.isEmpty() ? "(none)" : f.stream().map(Failure::toString).collect(Collectors.joining("\n"));
        } catch (IOException | InterruptedException | RuntimeException e) {
            return "(unavailable: " + e + ")";
        }
    }

    // --- Processes -----------------------------------------------------------------------------

    /** PIDs of the TaskManagers that are alive, oldest first. */
    public List<Long> taskManagerPids() {
        return processes.stream().filter(m -> m.name().startsWith("taskmanager") && m.process().isAlive())
                .map(m -> m.process().pid()).collect(Collectors.toList());
    }

    /**
     * Kills the newest live TaskManager with SIGKILL (no shutdown of any kind, as a crashed machine
     * would) and waits until the process is gone. Returns its name.
     */
    public String killTaskManager() throws InterruptedException {
        Managed victim = null;
        for (Managed m : processes) {
            if (m.name().startsWith("taskmanager") && m.process().isAlive()) {
                victim = m;
            }
        }
        if (victim == null) {
            throw new IllegalStateException("no live TaskManager to kill");
        }
        victim.process().destroyForcibly(); // SIGKILL on Linux
        if (!victim.process().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(victim.name() + " (pid " + victim.process().pid() + ") survived SIGKILL");
        }
        return victim.name();
    }

    /** Starts one more TaskManager and waits until the ResourceManager has registered it; returns its id. */
    public String startTaskManager() throws IOException, InterruptedException {
        String id = launchTaskManager();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            for (JsonNode tm : get("/taskmanagers").path("taskmanagers")) {
                if (id.equals(tm.path("id").asText())) {
                    return id;
                }
            }
            checkAlive();
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("TaskManager " + id + " not registered within " + START_TIMEOUT + diagnostics());
            }
            pause();
        }
    }

    private synchronized String launchTaskManager() throws IOException {
        String name = "taskmanager-" + (++taskManagerCounter);
        List<String> dynamic = new ArrayList<>(taskManagerParams.subList(1, taskManagerParams.size()));
        dynamic.add("-D");
        dynamic.add("taskmanager.resource-id=" + name);
        launch(name, TM_MAIN, taskManagerParams.get(0), dynamic);
        return name;
    }

    /** Kills every process this fixture started (SIGTERM, then SIGKILL after a grace period). Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            // TaskManagers first: they would otherwise try to reconnect to a JobManager going away.
            for (Managed m : processes) {
                if (m.name().startsWith("taskmanager")) {
                    destroyAndWait(m, Duration.ofSeconds(5));
                }
            }
            for (Managed m : processes) {
                destroyAndWait(m, STOP_TIMEOUT);
            }
        } finally {
            killAll();
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException | IllegalArgumentException alreadyShuttingDownOrNotRegistered) {
                // The hook runs (or ran) anyway.
            }
        }
    }

    private static void destroyAndWait(Managed m, Duration grace) {
        Process p = m.process();
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void killAll() {
        for (Managed m : processes) {
            Process p = m.process();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    /** The end of the JobManager's log and of the newest TaskManager's, for failure messages. */
    public String diagnostics() {
        StringBuilder sb = new StringBuilder();
        Managed lastTm = null;
        for (Managed m : processes) {
            if (m.name().startsWith("taskmanager")) {
                lastTm = m;
            }
        }
        for (Managed m : processes) {
            if (m.name().equals("jobmanager") || m == lastTm) {
                sb.append("\n--- ").append(m.name()).append(" (pid ").append(m.process().pid())
                        .append(m.process().isAlive() ? ", alive" : ", exited").append("): tail of ")
                        .append(m.log()).append(" ---\n").append(ProcessFixtures.tail(m.log(), LOG_TAIL_BYTES))
                        .append("\n--- tail of ").append(m.out()).append(" ---\n").append(ProcessFixtures.tail(m.out(), LOG_TAIL_BYTES));
            }
        }
        return sb.toString();
    }

    // --- Start-up --------------------------------------------------------------------------------

    private void writeConfig(Builder b, int rpcPort, int blobPort) throws IOException {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", HOST);
        c.put("jobmanager.rpc.port", Integer.toString(rpcPort));
        c.put("jobmanager.bind-host", HOST);
        c.put("jobmanager.memory.process.size", b.jobManagerMemory);
        c.put("blob.server.port", Integer.toString(blobPort));
        c.put("taskmanager.host", HOST);
        c.put("taskmanager.bind-host", HOST);
        c.put("taskmanager.memory.process.size", b.taskManagerMemory);
        c.put("taskmanager.numberOfTaskSlots", Integer.toString(b.slots));
        c.put("parallelism.default", "1");
        c.put("rest.address", HOST);
        c.put("rest.bind-address", HOST);
        c.put("rest.port", Integer.toString(restPort));
        // Scratch files stay in the cluster folder, not in the system temp folder.
        c.put("io.tmp.dirs", quote(tmpDir.toString()));
        c.put("web.tmpdir", quote(dir.resolve("web").toString()));
        c.put("process.working-dir", quote(dir.resolve("work").toString()));
        c.put("execution.checkpointing.dir", quote(checkpointDir.toUri().toString()));
        c.put("execution.checkpointing.savepoint-dir", quote(savepointDir.toUri().toString()));
        // A TaskManager that comes up before the ResourceManager retries after 1 s (default 10 s).
        c.put("cluster.registration.error-delay", "1 s");
        // A System.exit() in the job's main() (bad options) fails the submission, not the JobManager.
        c.put("cluster.intercept-user-system-exit", "THROW");
        // Fault tests: a killed TaskManager is noticed within a few seconds; failed jobs restart.
        c.put("heartbeat.interval", "1000");
        c.put("heartbeat.timeout", "6000");
        c.put("heartbeat.rpc-failure-threshold", "2");
        c.put("restart-strategy.type", "fixed-delay");
        c.put("restart-strategy.fixed-delay.attempts", "1000");
        c.put("restart-strategy.fixed-delay.delay", "1 s");
        // Fresh answers from the REST API (job details, exceptions, metrics).
        c.put("web.refresh-interval", "500");
        c.put("metrics.fetcher.update-interval", "500");
        c.put("web.exception-history-size", "1000");
        c.putAll(b.extra);
        StringBuilder yaml = new StringBuilder("# Written by dev.feedbackagg.it.FlinkCluster.\n");
        c.forEach((k, v) -> yaml.append(k).append(": ").append(v).append('\n'));
        Files.writeString(confDir.resolve("config.yaml"), yaml, StandardCharsets.UTF_8);

        String log4j = String.join("\n",
                "monitorInterval = 0",
                "shutdownHook = disable",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.main.ref = MainAppender",
                "appender.main.name = MainAppender",
                "appender.main.type = File",
                "appender.main.append = true",
                "appender.main.fileName = ${sys:log.file}",
                "appender.main.layout.type = PatternLayout",
                "appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                "logger.kafka.name = org.apache.kafka",
                "logger.kafka.level = WARN",
                "logger.zookeeper.name = org.apache.zookeeper",
                "logger.zookeeper.level = WARN",
                "");
        Files.writeString(confDir.resolve("log4j.properties"), log4j, StandardCharsets.UTF_8);
        Files.writeString(confDir.resolve("log4j-console.properties"), String.join("\n",
                "rootLogger.level = WARN",
                "rootLogger.appenderRef.console.ref = ConsoleAppender",
                "appender.console.name = ConsoleAppender",
                "appender.console.type = Console",
                "appender.console.target = SYSTEM_ERR",
                "appender.console.layout.type = PatternLayout",
                "appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c - %m%n",
                ""), StandardCharsets.UTF_8);
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /**
     * The JVM memory flags and -D dynamic properties Flink's scripts compute with BashJavaUtils
     * (without them the TaskManager fails: "taskmanager.cpu.cores is not set"). Both run at once.
     */
    private void computeMemoryParams() throws IOException, InterruptedException {
        Process jm = bashJavaUtils("GET_JM_RESOURCE_PARAMS");
        Process tm = bashJavaUtils("GET_TM_RESOURCE_PARAMS");
        jobManagerParams = memoryParams(jm, "GET_JM_RESOURCE_PARAMS");
        taskManagerParams = memoryParams(tm, "GET_TM_RESOURCE_PARAMS");
    }

    private Process bashJavaUtils(String command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(javaBinary(), "-Xmx128m", "-Djava.io.tmpdir=" + tmpDir,
                "-Dlog4j.configurationFile=" + confDir.resolve("log4j-console.properties").toUri(),
                "-cp", lib.resolve("*").toString(), "org.apache.flink.runtime.util.bash.BashJavaUtils", command,
                "--configDir", confDir.toString()));
        Path out = logDir.resolve("bash-java-utils-" + command + ".out");
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).start();
    }

    /** [JVM flags as one string, then the dynamic properties token by token]. */
    private List<String> memoryParams(Process p, String command) throws IOException, InterruptedException {
        Path out = logDir.resolve("bash-java-utils-" + command + ".out");
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("BashJavaUtils " + command + " did not finish in 60 s");
        }
        List<String> results = Files.readAllLines(out, StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
                .map(l -> l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).strip())
                .collect(Collectors.toList());
        if (p.exitValue() != 0 || results.size() != 2) {
            throw new IllegalStateException("BashJavaUtils " + command + " could not compute the memory settings"
                    + " from " + confDir.resolve("config.yaml") + ":\n" + Files.readString(out));
        }
        List<String> params = new ArrayList<>();
        params.add(results.get(0));
        params.addAll(Arrays.asList(results.get(1).split("\\s+")));
        params.removeIf(String::isEmpty);
        return params;
    }

    /** Starts a JobManager or TaskManager JVM with the JVM memory flags and -D dynamic properties given. */
    private void launch(String name, String mainClass, String jvmFlags, List<String> dynamic) throws IOException {
        if (closed) {
            throw new IllegalStateException("cluster " + dir + " is closed");
        }
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(Arrays.asList(jvmFlags.split("\\s+")));
        command.add("-XX:+IgnoreUnrecognizedVMOptions");
        command.addAll(JAVA17_OPTS);
        command.add("-Djava.security.manager=allow");
        command.add("-Djava.awt.headless=true");
        command.add("-Djava.io.tmpdir=" + tmpDir);
        // Lets .ci/run find (and end) processes left over by a test JVM that was killed.
        command.add("-Ddev.feedbackagg.it.marker=" + dir);
        Path log = logDir.resolve(name + ".log");
        Path out = logDir.resolve(name + ".out");
        command.add("-Dlog.file=" + log);
        command.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        command.add("-cp");
        command.add(lib.resolve("*").toString()); // the JVM expands the wildcard; no shell involved
        command.add(mainClass);
        command.add("--configDir");
        command.add(confDir.toString());
        command.addAll(dynamic);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.resolve("work").toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()));
        builder.environment().put("FLINK_CONF_DIR", confDir.toString());
        builder.environment().put("FLINK_PLUGINS_DIR", dir.resolve("plugins").toString());
        Process p = builder.start();
        processes.add(new Managed(name, p, log, out));
        p.getOutputStream().close();
    }

    /** Polls /overview until the wanted TaskManagers and slots are registered. */
    private void awaitSlots(int slots, int taskManagers) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "(no answer)";
        while (true) {
            checkAlive();
            try {
                JsonNode overview = get("/overview", Duration.ofSeconds(2));
                last = overview.toString();
                if (overview.path("taskmanagers").asInt() >= taskManagers
                        && overview.path("slots-total").asInt() >= slots) {
                    return;
                }
            } catch (IOException | IllegalStateException notUpYet) {
                last = notUpYet.toString();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Flink cluster not up within " + START_TIMEOUT + " (last /overview: "
                        + last + ")" + diagnostics());
            }
            pause();
        }
    }

    /** Fails when the JobManager died (TaskManagers may be killed on purpose). */
    private void checkAlive() {
        for (Managed m : processes) {
            if (m.name().equals("jobmanager") && !m.process().isAlive()) {
                throw new IllegalStateException("the JobManager exited with code " + m.process().exitValue()
                        + diagnostics());
            }
        }
    }

    // --- REST ----------------------------------------------------------------------------------

    private JsonNode get(String path) throws IOException, InterruptedException {
        return get(path, REST_TIMEOUT);
    }

    private JsonNode get(String path, Duration timeout) throws IOException, InterruptedException {
        return send("GET", path, null, timeout);
    }

    private JsonNode send(String method, String path, String body, Duration timeout)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout);
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        }
        return parse(method + " " + path, http.send(b.build(), HttpResponse.BodyHandlers.ofString()));
    }

    private JsonNode parse(String what, HttpResponse<String> response) throws IOException {
        String text = response.body();
        if (response.statusCode() / 100 != 2) {
            String errors = text;
            try {
                JsonNode e = json.readTree(text).path("errors");
                if (e.isArray()) {
                    List<String> lines = new ArrayList<>();
                    for (Iterator<JsonNode> it = e.elements(); it.hasNext(); ) {
                        lines.add(it.next().asText());
                    }
                    errors = String.join("\n", lines);
                }
            } catch (IOException notJson) {
                // keep the raw text
            }
            throw new IllegalStateException(what + ": HTTP " + response.statusCode() + " from " + baseUrl + ":\n"
                    + abbreviate(errors, 6_000));
        }
        return text == null || text.isBlank() ? json.createObjectNode() : json.readTree(text);
    }

    // --- Helpers -------------------------------------------------------------------------------

    /** The pause between two polls of a bounded wait. */
    private static void pause() throws InterruptedException {
        LockSupport.parkNanos(POLL_PAUSE.toNanos());
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    static String format(Duration d) {
        return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
