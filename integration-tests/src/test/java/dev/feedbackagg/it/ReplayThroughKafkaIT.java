package dev.feedbackagg.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.baseline.CrowdLabels;
import dev.feedbackagg.core.baseline.CrowdReplay;
import dev.feedbackagg.job.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The replay protocol of the {@code replay} command ({@link CrowdReplay}) on the RTE crowd data
 * set, but through Kafka and the streaming job: item i (1-based, in order of first appearance)
 * gets all its labels at event time T_i = BASE + 2 i SCALE, each a LabelerReport with
 * expected_labels = the item's number of distinct labelers (so the last one closes it at T_i), and
 * when i % K == 0 its gold is revealed at T_i + SCALE, before the next item closes. The accuracy and
 * Brier score of the mechanism, mean, median and majority computed from the job's committed
 * aggregates must equal those CrowdReplay computes in memory, exactly; and every job output must
 * equal the reference's on the stored input, bit for bit.
 */
class ReplayThroughKafkaIT {
    private static final String DATA_FILE = "snow2008-rte.csv";
    private static final String COHORT = "replay";
    private static final long BASE = 1_700_000_000_000L;
    /** Event-time unit of the protocol: CrowdReplay's time 2i becomes BASE + 2i * SCALE. */
    private static final long SCALE_MS = 1_000;
    private static final int PARALLELISM = 2;
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(4);
    private static final List<String> JOB_METHODS = List.of("mechanism", "mean", "median", "majority");

    private static final SingleObjectCodec<LabelerReport> REPORT = SingleObjectCodec.of(LabelerReport.class);
    private static final SingleObjectCodec<PreferenceOutcome> OUTCOME = SingleObjectCodec.of(PreferenceOutcome.class);

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(PARALLELISM)
                    .build());

    /** Under target/ (failsafe sets java.io.tmpdir there); kept when a test fails, for broker.log. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path workDir;

    private static KafkaBroker broker;
    private static CrowdLabels data;

    @BeforeAll
    static void startBroker() throws Exception {
        data = CrowdLabels.read(dataFile());
        broker = KafkaBroker.start(workDir);
        System.out.printf("Kafka broker %s ready in %d ms%n", broker, broker.lastStartDuration().toMillis());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    private static Path dataFile() {
        String dir = System.getProperty("shared.data.dir");
        Path base = dir == null || dir.isBlank() ? Path.of("..", "..", "shared", "data") : Path.of(dir);
        return base.resolve(DATA_FILE).toAbsolutePath().normalize();
    }

    @ParameterizedTest(name = "gold every {0} item(s)")
    @ValueSource(ints = {1, 10})
    void scoresThroughKafkaEqualCrowdReplay(int goldEvery, @InjectMiniCluster MiniCluster cluster) throws Exception {
        String run = "replay-k" + goldEvery + "-" + UUID.randomUUID();
        String t = "k" + goldEvery + ".";
        JobConfig config = ReferenceCheck.jobConfig(
                "--job-name", run,
                "--bootstrap-servers", broker.bootstrapServers(),
                "--reports-topic", t + "reports",
                "--outcomes-topic", t + "outcomes",
                "--aggregated-topic", t + "aggregated",
                "--regret-topic", t + "regret",
                "--weights-topic", t + "labeler-weights",
                "--dlq-topic", t + "dlq",
                "--group-id", run,
                "--bounded",
                "--eta", "0.5",
                "--loss", "brier",
                // Nothing may expire before the end: pending items wait for gold that comes, or never does.
                "--outcome-timeout", "3650d",
                "--max-out-of-orderness", "5s",
                "--idleness", "0ms",
                "--checkpoint-interval", "1s",
                "--checkpoint-dir", Files.createDirectories(workDir.resolve(run)).toUri().toString(),
                "--parallelism", Integer.toString(PARALLELISM),
                "--transactional-id-prefix", run,
                "--transaction-timeout", "5m");
        JobConfig.Topics topics = config.topics();
        broker.createTopics(4, topics.reports());
        broker.createTopics(2, topics.outcomes());
        broker.createTopics(2, topics.aggregated(), topics.labelerWeights(), topics.deadLetters());
        broker.createTopics(1, topics.regret());

        // The protocol as records, in event-time order.
        List<KafkaIo.Outgoing> records = new ArrayList<>();
        int reports = 0;
        int outcomes = 0;
        for (int i = 0; i < data.itemCount(); i++) {
            long index = i + 1L;
            long closeTime = BASE + 2 * index * SCALE_MS;
            String prompt = data.itemId(i);
            byte[] key = FeedbackEventLog.utf8(prompt);
            int[] labels = data.labelIndexesOfItem(i);
            Set<String> labelers = new HashSet<>();
            for (int k : labels) {
                labelers.add(data.labelerIdOfLabel(k));
            }
            for (int k : labels) {
                LabelerReport r = LabelerReport.newBuilder()
                        // File order: of two labels by one labeler, the first one wins, as in CrowdReplay.
                        .setReportId(String.format("label-%07d", k))
                        .setCohort(COHORT)
                        .setPromptId(prompt)
                        .setResponseAId("A")
                        .setResponseBId("B")
                        .setLabelerId(data.labelerIdOfLabel(k))
                        .setPreference(data.labelValue(k))
                        .setExpectedLabels(labelers.size())
                        .setEventTime(closeTime)
                        .build();
                records.add(new KafkaIo.Outgoing(topics.reports(), key, REPORT.encode(r)));
                reports++;
            }
            if (index % goldEvery == 0) {
                PreferenceOutcome o = PreferenceOutcome.newBuilder()
                        .setCohort(COHORT)
                        .setPromptId(prompt)
                        .setOutcome(data.gold(i))
                        .setSource(OutcomeSource.GOLD)
                        .setEventTime(closeTime + SCALE_MS)
                        .build();
                records.add(new KafkaIo.Outgoing(topics.outcomes(), key, OUTCOME.encode(o)));
                outcomes++;
            }
        }
        KafkaIo.produce(broker.bootstrapServers(), records);

        BoundedJobRun job = BoundedJobRun.run(cluster, config, JOB_TIMEOUT);
        System.out.println(job);
        ReferenceCheck.assertNoOpenTransactions(broker.bootstrapServers(), topics);
        ReferenceCheck.Actual actual = new ReferenceCheck.Actual(broker.bootstrapServers(), topics);

        // The in-memory replay protocol, as the replay command runs it.
        CrowdReplay.Result replay = CrowdReplay.run(data, goldEvery,
                MechanismConfig.defaults().withEta(0.5).withOutcomeTimeoutMs(Long.MAX_VALUE / 4));
        Map<String, CrowdReplay.Score> fromJob = scores(actual.aggregated);

        StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                "ReplayThroughKafkaIT figures, %s, gold every %d: records in %d (%d reports, %d outcomes);"
                        + " records out %d (%d aggregated, %d regret, %d labeler weights, %d dead letters);"
                        + " job %.2f s wall clock, %d checkpoints completed%n"
                        + "  %-10s %-22s %-22s %-22s %-22s%n",
                DATA_FILE, goldEvery, records.size(), reports, outcomes, actual.records(), actual.aggregated.size(),
                actual.regret.size(), actual.weights.size(), actual.deadLetters.size(), job.wallSeconds,
                job.completedCheckpoints, "method", "accuracy (job)", "accuracy (replay)", "brier (job)",
                "brier (replay)"));
        for (String m : JOB_METHODS) {
            table.append(String.format(Locale.ROOT, "  %-10s %-22s %-22s %-22s %-22s%n", m,
                    fromJob.get(m).accuracy(), replay.scores().get(m).accuracy(), fromJob.get(m).brier(),
                    replay.scores().get(m).brier()));
        }
        System.out.print(table);

        assertThat(job.status).hasToString("FINISHED");
        assertThat(actual.aggregated).as("one aggregate per item").hasSize(data.itemCount());
        assertThat(actual.aggregated).allSatisfy(a -> {
            assertThat(a.value().getCloseReason()).isEqualTo(CloseReason.COMPLETE);
            assertThat(a.value().getEta()).isEqualTo(0.5);
        });
        for (String m : JOB_METHODS) {
            assertThat(fromJob.get(m)).as("%s through Kafka and the job vs CrowdReplay, gold every %d", m, goldEvery)
                    .isEqualTo(replay.scores().get(m));
        }

        // And the job equals the reference on the stored input, record for record.
        ReferenceCheck.Expected expected = ReferenceCheck.expected(broker.bootstrapServers(), config);
        assertThat(expected.inputRecords).hasSize(records.size());
        assertThat(expected.decoderDeadLetters).isEmpty();
        ReferenceCheck.assertOutputsEqualReference(expected, actual);
        ReferenceCheck.assertDeadLetters(expected, actual);
    }

    /** Accuracy (p == 0.5 counts one half) and mean Brier against gold, over the items in data order. */
    private static Map<String, CrowdReplay.Score> scores(List<ReferenceCheck.Out<AggregatedPreference>> aggregated) {
        Map<String, AggregatedPreference> byItem = new HashMap<>();
        for (ReferenceCheck.Out<AggregatedPreference> o : aggregated) {
            AggregatedPreference a = o.value();
            assertThat(a.getCohort()).hasToString(COHORT);
            assertThat(byItem.put(a.getPromptId().toString(), a)).as("aggregates of item %s", a.getPromptId()).isNull();
        }
        int n = data.itemCount();
        double[][] p = new double[JOB_METHODS.size()][n];
        for (int i = 0; i < n; i++) {
            AggregatedPreference a = byItem.get(data.itemId(i));
            assertThat(a).as("aggregate of item %s", data.itemId(i)).isNotNull();
            p[0][i] = a.getPreference();
            p[1][i] = a.getMean();
            p[2][i] = a.getMedian();
            p[3][i] = a.getMajority();
        }
        Map<String, CrowdReplay.Score> out = new LinkedHashMap<>();
        for (int m = 0; m < JOB_METHODS.size(); m++) {
            double correct = 0.0;
            double brier = 0.0;
            for (int i = 0; i < n; i++) {
                double gold = data.gold(i);
                if (p[m][i] == 0.5) {
                    correct += 0.5;
                } else if ((p[m][i] > 0.5) == (gold > 0.5)) {
                    correct += 1.0;
                }
                double d = p[m][i] - gold;
                brier += d * d;
            }
            out.put(JOB_METHODS.get(m), new CrowdReplay.Score(correct / n, brier / n));
        }
        return out;
    }
}
