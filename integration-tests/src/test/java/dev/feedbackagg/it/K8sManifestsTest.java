package dev.feedbackagg.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.feedbackagg.cli.FeedbackAggregation;
import dev.feedbackagg.cli.JobCommand;
import dev.feedbackagg.job.JobConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;

/**
 * The Kubernetes manifests of deploy/k8s (they cannot be applied here: no cluster): every YAML
 * document parses, has a known kind and apiVersion; the six Strimzi KafkaTopics match the topics
 * the job uses, with sensible configs; the FlinkDeployment runs the job jar with arguments that the
 * job's own option parsing accepts, and its topic names are the KafkaTopics' names.
 */
class K8sManifestsTest {
    private static final String NAMESPACE = "feedback";
    private static final Map<String, String> API_VERSIONS = Map.of(
            "FlinkDeployment", "flink.apache.org/v1beta1",
            "KafkaTopic", "kafka.strimzi.io/v1",
            "Kustomization", "kustomize.config.k8s.io/v1beta1");
    private static final Duration BROKER_MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    /** Every document of every *.yaml file, with the file it came from. */
    record Doc(Path file, Map<String, Object> body) {
        String kind() {
            return (String) body.get("kind");
        }

        Map<String, Object> metadata() {
            return map(body.get("metadata"), file + " metadata");
        }

        Map<String, Object> spec() {
            return map(body.get("spec"), file + " spec of " + metadata().get("name"));
        }
    }

    private static List<Doc> docs;

    static Path k8sDir() {
        String configured = System.getProperty("k8s.dir");
        return (configured == null ? Path.of("..", "deploy", "k8s") : Path.of(configured)).toAbsolutePath().normalize();
    }

    @BeforeAll
    static void parse() throws IOException {
        docs = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(k8sDir())) {
            files = s.filter(p -> p.getFileName().toString().matches(".*\\.ya?ml")).sorted().collect(Collectors.toList());
        }
        assertThat(files).as("YAML files in %s", k8sDir()).isNotEmpty();
        for (Path f : files) {
            Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
            try (Reader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                for (Object o : yaml.loadAll(in)) {
                    if (o != null) {
                        docs.add(new Doc(f, map(o, f.toString())));
                    }
                }
            }
        }
    }

    @Test
    void everyDocumentHasAKnownKindApiVersionNameAndNamespace() {
        assertThat(docs).isNotEmpty();
        for (Doc d : docs) {
            assertThat(API_VERSIONS).as("kind of a document in %s", d.file()).containsKey(d.kind());
            assertThat(d.body().get("apiVersion")).as("apiVersion of %s in %s", d.kind(), d.file())
                    .isEqualTo(API_VERSIONS.get(d.kind()));
            if (d.kind().equals("Kustomization")) {
                assertThat(d.body().get("namespace")).isEqualTo(NAMESPACE);
                continue;
            }
            assertThat((String) d.metadata().get("name")).as("name of a %s in %s", d.kind(), d.file())
                    .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
            assertThat(d.metadata().get("namespace")).as("namespace of %s", d.metadata().get("name"))
                    .isEqualTo(NAMESPACE);
        }
        assertThat(of("FlinkDeployment")).hasSize(1);
        assertThat(of("Kustomization")).hasSize(1);
    }

    @Test
    void kustomizationListsEveryOtherManifest() throws IOException {
        Doc k = of("Kustomization").get(0);
        Set<String> listed = new TreeSet<>(strings(k.body().get("resources")));
        Set<String> others;
        try (Stream<Path> s = Files.list(k8sDir())) {
            others = s.map(p -> p.getFileName().toString()).filter(n -> n.matches(".*\\.ya?ml"))
                    .filter(n -> !n.startsWith("kustomization")).collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(listed).isEqualTo(others);
    }

    @Test
    void sixKafkaTopicsWithTheirConfigs() {
        JobConfig job = jobConfig();
        Map<String, Map<String, Object>> topics = kafkaTopics();
        assertThat(topics.keySet()).as("KafkaTopic topic names").containsExactlyInAnyOrder(
                job.topics().reports(), job.topics().outcomes(), job.topics().aggregated(), job.topics().regret(),
                job.topics().labelerWeights(), job.topics().deadLetters());
        Set<Object> clusters = of("KafkaTopic").stream()
                .map(d -> map(d.metadata().get("labels"), "labels").get("strimzi.io/cluster"))
                .collect(Collectors.toSet());
        assertThat(clusters).as("strimzi.io/cluster labels").hasSize(1).doesNotContainNull();

        int parallelism = ((Number) map(flinkDeployment().spec().get("job"), "job").get("parallelism")).intValue();
        for (Map.Entry<String, Map<String, Object>> e : topics.entrySet()) {
            String name = e.getKey();
            Map<String, Object> spec = e.getValue();
            int partitions = ((Number) spec.get("partitions")).intValue();
            int replicas = ((Number) spec.get("replicas")).intValue();
            Map<String, Object> config = map(spec.get("config"), name + " config");
            assertThat(partitions).as("partitions of %s", name).isPositive();
            assertThat(replicas).as("replicas of %s", name).isPositive();
            assertThat(((Number) config.get("min.insync.replicas")).intValue()).as("min.insync.replicas of %s", name)
                    .isBetween(1, Math.max(1, replicas - 1));
            if (name.equals(job.topics().labelerWeights())) {
                assertThat(config.get("cleanup.policy")).as("cleanup.policy of %s", name).isEqualTo("compact");
            } else {
                assertThat(config.get("cleanup.policy")).as("cleanup.policy of %s", name).isEqualTo("delete");
                assertThat(((Number) config.get("retention.ms")).longValue()).as("retention.ms of %s", name)
                        .isPositive();
            }
            if (name.equals(job.topics().reports()) || name.equals(job.topics().outcomes())) {
                assertThat(((Number) config.get("retention.ms")).longValue())
                        .as("retention of input %s covers the outcome timeout", name)
                        .isGreaterThanOrEqualTo(job.mechanism().outcomeTimeoutMs());
                assertThat(partitions).as("partitions of input %s >= the job's parallelism", name)
                        .isGreaterThanOrEqualTo(parallelism);
            }
        }
    }

    @Test
    void flinkDeploymentRunsTheJobJarWithArgumentsTheJobAccepts() {
        Doc fd = flinkDeployment();
        Map<String, Object> spec = fd.spec();
        assertThat(spec.get("flinkVersion")).isEqualTo("v2_2");
        assertThat((String) spec.get("image")).as("image").isNotBlank();
        assertThat(spec.get("serviceAccount")).as("serviceAccount").isNotNull();
        Map<String, Object> conf = map(spec.get("flinkConfiguration"), "flinkConfiguration");
        assertThat(String.valueOf(conf.get("execution.checkpointing.dir"))).startsWith("s3://");
        assertThat(String.valueOf(conf.get("execution.checkpointing.savepoint-dir"))).startsWith("s3://");
        assertThat(conf.get("high-availability.type")).isEqualTo("kubernetes");
        assertThat(String.valueOf(conf.get("high-availability.storageDir"))).startsWith("s3://");
        assertThat(Integer.parseInt(String.valueOf(conf.get("taskmanager.numberOfTaskSlots")))).isPositive();
        assertThat(map(spec.get("jobManager"), "jobManager")).containsKey("resource");
        assertThat(map(spec.get("taskManager"), "taskManager")).containsKey("resource");

        Map<String, Object> job = map(spec.get("job"), "job");
        assertThat((String) job.get("jarURI")).startsWith("local:///").endsWith("/feedback-aggregation.jar");
        assertThat(job.get("entryClass")).isEqualTo(FeedbackAggregation.class.getName());
        assertThat(job.get("upgradeMode")).isEqualTo("savepoint");
        assertThat(job.get("state")).isEqualTo("running");
        assertThat(((Number) job.get("parallelism")).intValue()).isPositive();

        List<String> args = strings(job.get("args"));
        assertThat(args).as("job args").isNotEmpty();
        assertThat(args.get(0)).as("the subcommand").isEqualTo("job");
        // The jar's main() would dispatch to the `job` subcommand: the whole line must parse there too.
        assertThatCode(() -> FeedbackAggregation.commandLine().parseArgs(args.toArray(String[]::new)))
                .as("feedback-aggregation %s", args).doesNotThrowAnyException();
        JobConfig config = jobConfig();
        assertThat(config.bounded()).as("--bounded (replays only)").isFalse();
        assertThat(config.checkpointInterval()).as("exactly-once checkpoints").isPositive();
        assertThat(config.transactionTimeout()).as("transaction timeout").isGreaterThan(config.checkpointInterval())
                .isLessThan(BROKER_MAX_TRANSACTION_TIMEOUT);
        assertThat(config.parallelism()).as("--parallelism: 0, the operator sets the cluster default").isZero();
        assertThat(config.checkpointDir()).as("--checkpoint-dir: the cluster's").isNull();

        String cluster = (String) map(of("KafkaTopic").get(0).metadata().get("labels"), "labels")
                .get("strimzi.io/cluster");
        assertThat(config.bootstrapServers()).as("bootstrap servers of the Strimzi cluster %s", cluster)
                .startsWith(cluster + "-kafka-bootstrap.");

        // Role by role, the job's topics are the KafkaTopic resources' topics.
        Map<String, Map<String, Object>> topics = kafkaTopics();
        JobConfig.Topics t = config.topics();
        for (String name : List.of(t.reports(), t.outcomes(), t.aggregated(), t.regret(), t.labelerWeights(),
                t.deadLetters())) {
            assertThat(topics).as("a KafkaTopic for %s", name).containsKey(name);
        }
        assertThat(Set.of(t.reports(), t.outcomes(), t.aggregated(), t.regret(), t.labelerWeights(),
                t.deadLetters())).as("six distinct topics").hasSize(6);
    }

    // ---------------------------------------------------------------------------------------------

    /** The FlinkDeployment's args (without the leading `job`) through the job's own option parsing. */
    private static JobConfig jobConfig() {
        List<String> args = strings(map(flinkDeployment().spec().get("job"), "job").get("args"));
        JobCommand command = new JobCommand();
        new CommandLine(command).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
        return command.toConfig();
    }

    private static Doc flinkDeployment() {
        return of("FlinkDeployment").get(0);
    }

    /** spec.topicName (or metadata.name) -> spec of every KafkaTopic; names must be unique. */
    private static Map<String, Map<String, Object>> kafkaTopics() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Doc d : of("KafkaTopic")) {
            Map<String, Object> spec = d.spec();
            String name = (String) spec.getOrDefault("topicName", d.metadata().get("name"));
            assertThat(out.put(name, spec)).as("KafkaTopic %s defined twice", name).isNull();
        }
        return out;
    }

    private static List<Doc> of(String kind) {
        return docs.stream().filter(d -> kind.equals(d.kind())).collect(Collectors.toList());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String what) {
        assertThat(o).as(what).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    static List<String> strings(Object o) {
        assertThat(o).as("a list").isInstanceOf(List.class);
        List<String> out = new ArrayList<>();
        for (Object e : (List<?>) o) {
            assertThat(e).as("list element").isInstanceOf(String.class);
            out.add((String) e);
        }
        return out;
    }
}
