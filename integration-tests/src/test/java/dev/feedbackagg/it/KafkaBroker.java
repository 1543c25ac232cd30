package dev.feedbackagg.it;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller, loopback only) running as a
 * separate OS process, started from the jars that {@code mvn -B package -pl deploy/kafka-broker}
 * copies to {@code deploy/kafka-broker/target/lib}.
 *
 * <p>Every {@link #start(Path)} uses two fresh free ports and a fresh folder under the given work
 * folder (config, data, broker log, process output), so two brokers never share a data folder.
 * {@link #restart()} reuses the same ports and data folder, which is what fault tests need.
 */
public final class KafkaBroker implements AutoCloseable {

    /** System property with the broker classpath folder (set by failsafe in integration-tests/pom.xml). */
    public static final String LIB_PROPERTY = "kafka.broker.lib";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration PROBE_PAUSE = Duration.ofMillis(100);
    private static final int NODE_ID = 1;
    private static final int LOG_TAIL_BYTES = 12_000;

    private final Path lib;
    private final Path dir;
    private final Path serverProperties;
    private final Path brokerLog;
    private final Path processOutput;
    private final int brokerPort;
    private final int controllerPort;
    private final String clusterId;
    private final Thread shutdownHook;

    private volatile Process process;
    private volatile long logOffsetAtLaunch;
    private Duration lastStartDuration = Duration.ZERO;
    private boolean closed;

    private KafkaBroker(Path lib, Path dir, int brokerPort, int controllerPort, String clusterId) {
        this.lib = lib;
        this.dir = dir;
        this.serverProperties = dir.resolve("server.properties");
        this.brokerLog = dir.resolve("broker.log");
        this.processOutput = dir.resolve("process.out");
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.clusterId = clusterId;
        this.shutdownHook = new Thread(this::destroyForShutdown, "kafka-broker-killer-" + brokerPort);
    }

    /**
     * Formats a fresh KRaft data folder under {@code workDir}, starts the broker process and waits
     * until it answers an Admin describeCluster call.
     */
    public static KafkaBroker start(Path workDir) throws IOException, InterruptedException {
        return start(workDir, Map.of());
    }

    /**
     * Like {@link #start(Path)}, with extra or replaced server.properties entries (for example
     * {@code transaction.max.timeout.ms}). Listeners, ports, node id and log.dirs belong to the fixture.
     */
    public static KafkaBroker start(Path workDir, Map<String, String> serverOverrides)
            throws IOException, InterruptedException {
        Path lib = ProcessFixtures.requireLib(libDir(), "kafka_2.13-", "Kafka broker", "deploy/kafka-broker");
        Files.createDirectories(workDir);
        Path dir = Files.createTempDirectory(workDir.toAbsolutePath(), "kafka-broker-");
        Files.createDirectories(dir.resolve("tmp"));
        Path dataDir = Files.createDirectories(dir.resolve("data"));

        int[] ports = ProcessFixtures.freeLoopbackPorts(2);
        int brokerPort = ports[0];
        int controllerPort = ports[1];

        writeLog4jConfig(dir.resolve("log4j2.properties"), dir.resolve("broker.log"));
        writeServerProperties(dir.resolve("server.properties"), dataDir, brokerPort, controllerPort, serverOverrides);

        String uuidOutput = runStorageTool(lib, dir, "random-uuid");
        String clusterId = uuidOutput.lines().map(String::strip).filter(l -> !l.isEmpty())
                .reduce((first, second) -> second).orElse("");
        if (!clusterId.matches("[A-Za-z0-9_-]{22}")) {
            throw new IllegalStateException("StorageTool random-uuid printed no cluster id:\n" + uuidOutput);
        }
        runStorageTool(lib, dir, "format", "-t", clusterId, "-c", dir.resolve("server.properties").toString());

        KafkaBroker broker = new KafkaBroker(lib, dir, brokerPort, controllerPort, clusterId);
        Runtime.getRuntime().addShutdownHook(broker.shutdownHook);
        try {
            broker.launchAndAwaitReady();
        } catch (IOException | InterruptedException | RuntimeException | Error e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    /**
     * The broker classpath folder: system property {@value #LIB_PROPERTY}, otherwise
     * {@code ../deploy/kafka-broker/target/lib} relative to the working directory (the module folder
     * when run by Maven).
     */
    public static Path libDir() {
        String configured = System.getProperty(LIB_PROPERTY);
        Path path = configured == null || configured.isBlank()
                ? Path.of("..", "deploy", "kafka-broker", "target", "lib")
                : Path.of(configured);
        return path.toAbsolutePath().normalize();
    }

    /** {@code 127.0.0.1:PORT} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    /** The folder of this broker: server.properties, data/, broker.log, process.out. */
    public Path directory() {
        return dir;
    }

    public String clusterId() {
        return clusterId;
    }

    /** Wall-clock time from process launch to the first successful describeCluster, for the last (re)start. */
    public synchronized Duration lastStartDuration() {
        return lastStartDuration;
    }

    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /**
     * Creates the topics (replication factor 1) and waits until the controller has created them and
     * every partition has a leader.
     */
    public void createTopics(int partitions, String... names) {
        if (names.length == 0) {
            return;
        }
        List<NewTopic> topics = new ArrayList<>();
        for (String name : names) {
            topics.add(new NewTopic(name, partitions, (short) 1));
        }
        try (Admin admin = Admin.create(adminConfig(ADMIN_TIMEOUT))) {
            admin.createTopics(topics).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            awaitLeaders(admin, Arrays.asList(names), partitions);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Creating topics " + Arrays.toString(names) + " failed on "
                    + bootstrapServers() + ": " + e.getCause() + diagnostics(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Creating topics " + Arrays.toString(names) + " timed out on "
                    + bootstrapServers() + diagnostics(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topics", e);
        }
    }

    /** Graceful stop (SIGTERM, controlled shutdown); after 20 s the process is killed. */
    public synchronized void stop() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Kills the broker without any shutdown (SIGKILL), as a crash would. */
    public synchronized void kill() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroyForcibly();
        try {
            if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("Kafka broker pid " + p.pid() + " survived SIGKILL for "
                        + STOP_TIMEOUT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts the broker again on the same ports and the same data folder and waits until it is ready.
     * A broker that is still running is stopped gracefully first, so two processes never share the
     * data folder.
     */
    public synchronized void restart() throws IOException, InterruptedException {
        if (closed) {
            throw new IllegalStateException("Kafka broker in " + dir + " is closed");
        }
        stop();
        if (isRunning()) {
            throw new IllegalStateException("Kafka broker pid " + process.pid() + " is still running; not restarting"
                    + " on the same data folder " + dir);
        }
        launchAndAwaitReady();
    }

    /** Stops the broker (gracefully if it can) and makes sure the process is gone. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop();
        } finally {
            Process p = process;
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
                try {
                    p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException | IllegalArgumentException alreadyShuttingDownOrNotRegistered) {
                // The hook runs (or ran) anyway.
            }
        }
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers() + ", controller 127.0.0.1:" + controllerPort + ", " + dir + "]";
    }

    // ---------------------------------------------------------------------------------------------

    private synchronized void launchAndAwaitReady() throws IOException, InterruptedException {
        List<String> command = javaCommand(lib, dir, "kafka.Kafka", serverProperties.toString());
        command.add(1, "-Xmx512m");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(processOutput.toFile()));
        logOffsetAtLaunch = Files.isRegularFile(brokerLog) ? Files.size(brokerLog) : 0;
        long startNanos = System.nanoTime();
        Process p = builder.start();
        process = p;
        boolean ready = false;
        try {
            p.getOutputStream().close();
            awaitReady(p, startNanos);
            ready = true;
        } finally {
            if (!ready) {
                // Never leave a half-started broker behind (it would hold the data folder).
                p.destroyForcibly();
                p.onExit().join();
            }
        }
        lastStartDuration = Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Polls describeCluster with short timeouts until it answers with our cluster and node. */
    private void awaitReady(Process p, long startNanos) throws InterruptedException {
        long deadline = startNanos + READY_TIMEOUT.toNanos();
        Throwable lastFailure = null;
        try (Admin admin = Admin.create(adminConfig(PROBE_TIMEOUT))) {
            while (true) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("Kafka broker process exited with code " + p.exitValue()
                            + " before it was ready" + diagnostics());
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("Kafka broker on " + bootstrapServers() + " not ready after "
                            + READY_TIMEOUT.toSeconds() + " s (last probe: " + lastFailure + ")" + diagnostics());
                }
                long attemptStart = System.nanoTime();
                try {
                    DescribeClusterResult cluster = admin.describeCluster(
                            new DescribeClusterOptions().timeoutMs((int) PROBE_TIMEOUT.toMillis()));
                    String answeredId = cluster.clusterId().get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    Collection<Node> nodes = cluster.nodes().get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    if (!clusterId.equals(answeredId)) {
                        // Someone else's broker grabbed our port: never talk to it.
                        throw new IllegalStateException("Port " + brokerPort + " is served by another Kafka cluster ("
                                + answeredId + ", expected " + clusterId + ")" + diagnostics());
                    }
                    if (nodes.stream().anyMatch(n -> n.id() == NODE_ID && n.port() == brokerPort)) {
                        return;
                    }
                    lastFailure = new IllegalStateException("describeCluster answered without node " + NODE_ID
                            + ": " + nodes);
                } catch (ExecutionException e) {
                    lastFailure = e.getCause();
                } catch (TimeoutException e) {
                    lastFailure = e;
                }
                // A refused connection fails fast: pause briefly so the loop does not spin.
                long elapsed = System.nanoTime() - attemptStart;
                if (elapsed < PROBE_PAUSE.toNanos()) {
                    p.waitFor(PROBE_PAUSE.toNanos() - elapsed, TimeUnit.NANOSECONDS);
                }
            }
        }
    }

    private static void awaitLeaders(Admin admin, Collection<String> names, int partitions)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            Map<String, TopicDescription> descriptions;
            try {
                descriptions = admin
                        .describeTopics(names, new DescribeTopicsOptions().timeoutMs((int) PROBE_TIMEOUT.toMillis()))
                        .allTopicNames()
                        .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // The controller has created the topic, but the broker's metadata cache may not have it
                // yet: describeTopics then answers UnknownTopicOrPartition. Ask again until the deadline.
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() - deadline > 0) {
                    throw e;
                }
                descriptions = null;
            }
            boolean allLed = descriptions != null && descriptions.values().stream()
                    .allMatch(d -> d.partitions().size() == partitions && d.partitions().stream()
                            .map(TopicPartitionInfo::leader).allMatch(l -> l != null && !l.isEmpty()));
            if (allLed) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("Partitions of " + names + " have no leader: " + descriptions);
            }
            TimeUnit.MILLISECONDS.sleep(PROBE_PAUSE.toMillis());
        }
    }

    /** Runs {@code kafka.tools.StorageTool ARGS} to completion and returns its output. */
    private static String runStorageTool(Path lib, Path dir, String... args)
            throws IOException, InterruptedException {
        List<String> command = javaCommand(lib, dir, "kafka.tools.StorageTool", args);
        Path output = dir.resolve("storage-tool-" + args[0] + ".out");
        Process tool = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        tool.getOutputStream().close();
        if (!tool.waitFor(TOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            tool.destroyForcibly();
            tool.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            throw new IllegalStateException("StorageTool " + String.join(" ", args) + " did not finish in "
                    + TOOL_TIMEOUT.toSeconds() + " s; output: " + ProcessFixtures.tail(output, LOG_TAIL_BYTES));
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        if (tool.exitValue() != 0) {
            throw new IllegalStateException("StorageTool " + String.join(" ", args) + " failed with exit code "
                    + tool.exitValue() + ":\n" + text);
        }
        return text;
    }

    /** {@code java ... -cp LIB/* MAIN ARGS}, with the java binary of this JVM and the files of {@code dir}. */
    private static List<String> javaCommand(Path lib, Path dir, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Djava.awt.headless=true");
        // Native libraries (zstd, snappy) unpack to java.io.tmpdir: keep them in the broker folder.
        command.add("-Djava.io.tmpdir=" + dir.resolve("tmp"));
        command.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties").toUri());
        command.add("-cp");
        command.add(lib.resolve("*").toString()); // the JVM expands the wildcard; no shell involved
        command.add(mainClass);
        command.addAll(Arrays.asList(args));
        return command;
    }

    private Properties adminConfig(Duration timeout) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "kafka-broker-fixture");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 10_000));
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 250);
        config.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        config.put(AdminClientConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 250);
        return config;
    }

    private void destroyForShutdown() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
        }
    }

    private String diagnostics() {
        return "\n--- ERROR lines of " + brokerLog + " since the last launch ---\n" + errorLines()
                + "\n--- tail of " + brokerLog + " ---\n" + ProcessFixtures.tail(brokerLog, LOG_TAIL_BYTES)
                + "\n--- tail of " + processOutput + " ---\n" + ProcessFixtures.tail(processOutput, LOG_TAIL_BYTES);
    }

    /** The first ERROR/FATAL lines (with the line after each, often the exception) since the last launch. */
    private String errorLines() {
        if (!Files.isRegularFile(brokerLog)) {
            return "(none)";
        }
        try (RandomAccessFile raf = new RandomAccessFile(brokerLog.toFile(), "r")) {
            long from = Math.min(logOffsetAtLaunch, raf.length());
            byte[] bytes = new byte[(int) Math.min(raf.length() - from, 64L << 20)];
            raf.seek(from);
            raf.readFully(bytes);
            List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().collect(Collectors.toList());
            List<String> picked = new ArrayList<>();
            for (int i = 0; i < lines.size() && picked.size() < 20; i++) {
                String line = lines.get(i);
                if (line.contains("] ERROR ") || line.contains("] FATAL ")) {
                    picked.add(abbreviate(line));
                    if (i + 1 < lines.size() && !lines.get(i + 1).startsWith("[")) {
                        picked.add(abbreviate(lines.get(i + 1)));
                    }
                }
            }
            return picked.isEmpty() ? "(none)" : String.join("\n", picked);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 400 ? line : line.substring(0, 400) + "...";
    }

    private static void writeServerProperties(Path file, Path dataDir, int brokerPort, int controllerPort,
            Map<String, String> overrides) throws IOException {
        for (String fixed : List.of("process.roles", "node.id", "controller.quorum.voters", "listeners",
                "advertised.listeners", "controller.listener.names", "log.dirs", "log.dir", "metadata.log.dir")) {
            if (overrides.containsKey(fixed)) {
                throw new IllegalArgumentException(fixed + " is set by KafkaBroker itself");
            }
        }
        List<String> lines = new ArrayList<>(List.of(
                "# Written by dev.feedbackagg.it.KafkaBroker: single-node KRaft broker on loopback.",
                "process.roles=broker,controller",
                "node.id=" + NODE_ID,
                "controller.quorum.voters=" + NODE_ID + "@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort,
                "inter.broker.listener.name=PLAINTEXT",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dataDir.toAbsolutePath(),
                "num.partitions=1",
                "auto.create.topics.enable=false",
                "group.initial.rebalance.delay.ms=0",
                "offsets.topic.replication.factor=1",
                // Fewer internal partitions than the default 50: quicker first use of groups and transactions.
                "offsets.topic.num.partitions=4",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=4",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1"));
        // Later entries win in java.util.Properties, so overrides simply follow the defaults.
        new TreeMap<>(overrides).forEach((key, value) -> lines.add(key + "=" + value));
        lines.add("");
        Files.writeString(file, String.join("\n", lines), StandardCharsets.UTF_8);
    }

    private static void writeLog4jConfig(Path file, Path logFile) throws IOException {
        String text = String.join("\n",
                "status = warn",
                "name = kafka-broker-fixture",
                // Keep logging while Kafka's own shutdown hook runs (a graceful stop logs to the end).
                "shutdownHook = disable",
                "appender.file.type = File",
                "appender.file.name = FILE",
                "appender.file.fileName = " + logFile.toAbsolutePath().toString().replace("\\", "/"),
                "appender.file.append = true",
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = FILE",
                "logger.statechange.name = state.change.logger",
                "logger.statechange.level = WARN",
                "logger.request.name = kafka.request.logger",
                "logger.request.level = WARN",
                "");
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
