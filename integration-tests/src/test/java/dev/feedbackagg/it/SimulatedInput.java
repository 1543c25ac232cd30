package dev.feedbackagg.it;

import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.avro.wire.SingleObjectCodec;
import dev.feedbackagg.job.JobConfig;
import dev.feedbackagg.sim.EventLog;
import dev.feedbackagg.sim.Scenario;
import dev.feedbackagg.sim.Scenarios;
import dev.feedbackagg.sim.World;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.avro.specific.SpecificRecord;

/**
 * Input from the strategic-labeler simulator (dev.feedbackagg.sim): one scenario realised for
 * several cohorts (cohort {@code NAME-i}, seed {@code seed + i}), merged into one stream in event-time
 * order (a stable sort: ties keep cohort order, and within a cohort the simulator's order). Produced in
 * that order, every partition holds its records in event-time order, so with any watermark bound no
 * record is ever behind the watermark: the job's output is then fully determined by the stored input
 * and must equal the reference's.
 */
final class SimulatedInput {
    static final SingleObjectCodec<LabelerReport> REPORT = SingleObjectCodec.of(LabelerReport.class);
    static final SingleObjectCodec<PreferenceOutcome> OUTCOME = SingleObjectCodec.of(PreferenceOutcome.class);
    /** Pending items expire this long after their close: above the scenarios' outcome delay plus label spread. */
    static final String OUTCOME_TIMEOUT = "10m";
    static final String METRICS_INTERVAL = "1m";

    final Scenario scenario;
    final int cohorts;
    /** Reports and outcomes of every cohort, in event-time order. */
    final List<SpecificRecord> records;
    final int reports;
    final int outcomes;

    private SimulatedInput(Scenario scenario, int cohorts, List<SpecificRecord> records, int reports, int outcomes) {
        this.scenario = scenario;
        this.cohorts = cohorts;
        this.records = records;
        this.reports = reports;
        this.outcomes = outcomes;
    }

    /** {@code cohorts} realisations of the named scenario with {@code items} items each and the given gold rate. */
    static SimulatedInput generate(String scenarioName, long seed, int cohorts, int items, double goldRate) {
        Scenario base = Scenarios.byName(scenarioName).withItems(items).withGoldRate(goldRate);
        List<SpecificRecord> all = new ArrayList<>();
        int reports = 0;
        int outcomes = 0;
        for (int c = 0; c < cohorts; c++) {
            Scenario s = base.withCohort(base.name() + "-" + c).withSeed(seed + c);
            EventLog log = World.generate(s).events();
            all.addAll(log.merged());
            reports += log.reports().size();
            outcomes += log.outcomes().size();
        }
        all.sort(Comparator.comparingLong(SimulatedInput::eventTime)); // stable
        return new SimulatedInput(base.withSeed(seed), cohorts, all, reports, outcomes);
    }

    static long eventTime(SpecificRecord r) {
        return r instanceof LabelerReport rep ? rep.getEventTime() : ((PreferenceOutcome) r).getEventTime();
    }

    /** Key prompt_id, value Avro single-object encoding, to the reports or outcomes topic. */
    static KafkaIo.Outgoing outgoing(SpecificRecord r, JobConfig.Topics topics) {
        if (r instanceof LabelerReport rep) {
            return new KafkaIo.Outgoing(topics.reports(), utf8(rep.getPromptId().toString()), REPORT.encode(rep));
        }
        PreferenceOutcome o = (PreferenceOutcome) r;
        return new KafkaIo.Outgoing(topics.outcomes(), utf8(o.getPromptId().toString()), OUTCOME.encode(o));
    }

    List<KafkaIo.Outgoing> outgoing(JobConfig.Topics topics) {
        List<KafkaIo.Outgoing> out = new ArrayList<>(records.size());
        for (SpecificRecord r : records) {
            out.add(outgoing(r, topics));
        }
        return out;
    }

    /**
     * The arguments of the jar's {@code job} command for this input (first element {@code job}):
     * the scenario's item policy (expected labels; reports carry their own count anyway), no
     * idleness (every partition has data; an idle-marked partition could make records late), 1 s
     * exactly-once checkpoints, the run name as job name, group id and transactional id prefix.
     */
    List<String> jobArgs(String run, String bootstrap, int parallelism, boolean bounded, String... more) {
        long itemTimeoutMs = scenario.labelSpreadMs() + scenario.sybilsPerItem() + 60_000L;
        List<String> args = new ArrayList<>(List.of("job",
                "--job-name", run,
                "--bootstrap-servers", bootstrap,
                "--group-id", run,
                "--expected-labels", Integer.toString(scenario.maxLabelsPerItem()),
                "--item-timeout", itemTimeoutMs + "ms",
                "--outcome-timeout", OUTCOME_TIMEOUT,
                "--metrics-interval", METRICS_INTERVAL,
                "--max-out-of-orderness", "1s",
                "--idleness", "0ms",
                "--checkpoint-interval", "1s",
                "--parallelism", Integer.toString(parallelism),
                "--transactional-id-prefix", run,
                "--transaction-timeout", "2m"));
        if (bounded) {
            args.add("--bounded");
        }
        args.addAll(List.of(more));
        return args;
    }

    /** The JobConfig the job builds from these arguments (the leading {@code job} dropped). */
    static JobConfig config(List<String> jobArgs) {
        return ReferenceCheck.jobConfig(jobArgs.subList(1, jobArgs.size()).toArray(String[]::new));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s x %d cohorts (seed %d, %d items each, gold rate %.2f): %d reports,"
                + " %d outcomes", scenario.name(), cohorts, scenario.seed(), scenario.items(), scenario.goldRate(),
                reports, outcomes);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
