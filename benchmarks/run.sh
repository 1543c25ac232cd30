#!/usr/bin/env bash
# Reproduces the benchmark figures of benchmarks/README.md in one command.
#
#   benchmarks/run.sh [SECTION] [options]
#
# Sections: all (default: every section below), e2e (throughput of the real job against the
# plain-average baseline and the raw read of the topic, on a real Kafka broker and Flink cluster),
# latency (last report -> aggregate readable, at-least-once and exactly-once), core (JMH: the core's
# hot path against a plain hash-map loop) and operator (the Mechanism operator alone, heap and
# RocksDB, and the state footprint). decompose (not part of all) is the e2e table with more rows:
# builds of the committed code with a part of the work left out (benchmarks/experiments/*.patch,
# each applied to HEAD in a git worktree and built there), run in rotation with the real job and the
# plain average, to show what each part costs.
#
# Options (defaults in brackets):
#   --rounds N               e2e rounds, the warm-up rounds included [3]
#   --warmup-rounds N        first rounds shown but left out of the medians [1]
#   --reports N              reports filled into the e2e topic once [2000000]
#   --checkpoint-interval D  both jobs' checkpoint interval, exactly-once sinks [5s]
#   --parallelism N          both jobs' parallelism [2]
#   --rate R                 latency: reports per second [4000]
#   --measure D              latency: how long items are measured per mode [30s]
#   --quick                  a shortened run: 500000 reports, 2 rounds, 15s of latency per mode
#   --no-build               use the jars as they are (no mvn package)
#   --warm-classpath         start the Flink cluster with both jobs' jars on its class path and
#                            parent-first class loading, so that the JIT compiles the jobs' code once
#                            per TaskManager, not once per job run (as in application mode); needs a
#                            cluster this script starts (stop a running one first)
#   --job-args "ARGS"        e2e: extra arguments of the real job (e.g. "--kafka-property linger.ms=5")
#   --baseline-args "ARGS"   e2e: extra arguments of the plain average, e.g. the real job's producer
#                            batching: "--producer-property batch.size=262144 --producer-property linger.ms=20"
#   --results FILE           where the tables are written [benchmarks/target/results/run-TIME.txt]
#
# Kafka and Flink: deploy/local/up.sh starts them, or they are reused when they run; whatever this
# script started it stops at the end. Their ports and folder follow deploy/local's variables
# (KAFKA_PORT, KAFKA_CONTROLLER_PORT, FLINK_REST_PORT, FLINK_RPC_PORT, RUN_DIR). The jobs, jars
# and topics the harness creates are cancelled/deleted when it ends.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
PROG=run.sh
# shellcheck source=deploy/local/lib.sh
source "$root/deploy/local/lib.sh"

section=all
if [[ $# -gt 0 && $1 != -* ]]; then
  section=$1
  shift
fi
rounds=3 warmup_rounds=1 reports=2000000 checkpoint=5s parallelism=2 rate=4000 measure=30s
build=1 results="" warm_classpath="" job_args="" baseline_args=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --warmup-rounds) warmup_rounds=$2; shift 2 ;;
    --reports) reports=$2; shift 2 ;;
    --checkpoint-interval) checkpoint=$2; shift 2 ;;
    --parallelism) parallelism=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --measure) measure=$2; shift 2 ;;
    --quick) reports=500000; rounds=2; measure=15s; shift ;;
    --no-build) build=""; shift ;;
    --warm-classpath) warm_classpath=1; shift ;;
    --results) results=$2; shift 2 ;;
    --job-args) job_args=$2; shift 2 ;;
    --baseline-args) baseline_args=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[[ $section == decompose && -n $warm_classpath ]] \
  && die "decompose: not with --warm-classpath (parent-first loading would take the experiments' classes from the real job's jar on the class path)"
case $section in
  all | core | operator | e2e | latency | decompose) ;;
  *) die "unknown section $section (all, core, operator, e2e, latency, decompose)" ;;
esac

JOB_JAR=$root/flink-job/target/feedback-aggregation.jar
BASELINE_JAR=$here/target/plain-average-job.jar
BENCH_JAR=$here/target/benchmarks.jar
KAFKA_LIB=$root/deploy/kafka-broker/target/lib
BOOTSTRAP=127.0.0.1:${KAFKA_PORT:-9092}
REST=http://localhost:${FLINK_REST_PORT:-8081}
stamp=$(date +%Y%m%d-%H%M%S)
results=${results:-$here/target/results/run-$stamp.txt}
mkdir -p "$(dirname "$results")"
started=$(now_ms)

require_java

# The machine, on top of every result file.
machine() {
  local mem
  mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || echo "?")
  printf '# benchmarks/run.sh %s, %s\n' "$section" "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  printf '# machine: %s cores (nproc), %s memory, load average %s\n' "$(nproc)" "$mem" \
    "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
  printf '# %s\n' "$("$JAVA" -version 2>&1 | tr '\n' ' ' | sed 's/ *$//')"
  printf '# git %s%s\n' "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')" \
    "$(git -C "$root" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
}
machine | tee -a "$results"

build_jars() {
  [[ -n $build ]] || return 0
  require_mvn
  local step log=$here/target/mvn-run.log
  step=$(now_ms)
  info "building the jars: mvn -B -q package -DskipTests -pl benchmarks -am (log $log)"
  mkdir -p "$here/target"
  (cd "$root" && mvn -B -q package -DskipTests -pl benchmarks -am) >"$log" 2>&1 \
    || { show_tail "$log" 40; die "the build failed (see above)"; }
  info "built in $(elapsed_since "$step")"
}

# Start Kafka and Flink unless they run; remember what we started, to stop only that. A cluster
# started here gets a 3 GB TaskManager (FLINK_TM_MEMORY): with deploy/local's 1728m default (sized
# for the demo) both jobs spend a large share of the CPU in garbage collection.
export FLINK_TM_MEMORY=${FLINK_TM_MEMORY:-3g}
we_started_kafka="" we_started_flink=""
stack_up() {
  "$root/deploy/local/kafka.sh" status >/dev/null 2>&1 || we_started_kafka=1
  "$root/deploy/local/flink.sh" status >/dev/null 2>&1 || we_started_flink=1
  if [[ -n $warm_classpath ]]; then
    [[ -n $we_started_flink ]] \
      || die "--warm-classpath: a Flink cluster runs already; stop it first (deploy/local/flink.sh stop)"
    # Both jobs' classes come from the cluster's class path: the JIT keeps its work across runs.
    export FLINK_CLASSPATH_EXTRA="$JOB_JAR:$BASELINE_JAR"
    export FLINK_CONF_EXTRA="classloader.resolve-order: parent-first"
    info "--warm-classpath: the jobs' jars are on the cluster's class path (parent-first)"
  fi
  "$root/deploy/local/up.sh"
  # The benchmark needs the slots to itself: another job would share the CPU and the slots.
  local overview free
  overview=$(curl -sf "$REST/overview") || die "no Flink REST API at $REST"
  free=$(printf '%s\n' "$overview" | json_field slots-available)
  if (( ${free:-0} < parallelism )); then
    die "only ${free:-0} free slots on $REST (jobs are running there: deploy/local/flink.sh status); need $parallelism"
  fi
  local running
  running=$(printf '%s\n' "$overview" | json_field jobs-running)
  (( ${running:-0} == 0 )) || warn "$running other job(s) run on the cluster: the figures share the CPU with them"
}
stack_down() {
  if [[ -n $we_started_flink ]]; then
    "$root/deploy/local/flink.sh" stop || true
  fi
  if [[ -n $we_started_kafka ]]; then
    "$root/deploy/local/kafka.sh" stop || true
  fi
}

# Every job run on a session cluster leaves ~20 MB of classes in the JobManager's metaspace (256 MB
# with deploy/local/flink.sh): the e2e section's 9 jobs fill most of it. Between sections, a cluster
# this script started is restarted; a reused one is left alone (the harness stops with a message
# when too little metaspace is left).
restart_flink_if_ours() {
  if [[ -n $we_started_flink ]]; then
    info "restarting the Flink cluster this script started (JobManager metaspace)"
    "$root/deploy/local/flink.sh" stop
    "$root/deploy/local/flink.sh" start
  fi
}

harness() {
  "$JAVA" -Xmx2g -cp "$BENCH_JAR" dev.feedbackagg.bench.e2e.E2eBench "$@" --results "$results"
}

section_e2e() {
  info "e2e: $reports reports, $rounds rounds ($warmup_rounds warm-up), checkpoint $checkpoint, parallelism $parallelism"
  if [[ -n $warm_classpath ]]; then
    printf '# e2e cluster: both jobs'"'"' jars on the class path, parent-first (--warm-classpath)\n'
  else
    printf '# e2e cluster: each job run from its uploaded jar, in a class loader of its own\n'
  fi | tee -a "$results"
  harness throughput --bootstrap-servers "$BOOTSTRAP" --rest "$REST" \
    --job-jar "$JOB_JAR" --baseline-jar "$BASELINE_JAR" --kafka-lib "$KAFKA_LIB" \
    --reports "$reports" --rounds "$rounds" --warmup-rounds "$warmup_rounds" \
    --checkpoint-interval "$checkpoint" --parallelism "$parallelism" \
    --job-args "$job_args" --baseline-args "$baseline_args"
}

# The e2e table with a row per experiment of benchmarks/experiments: each patch is applied to HEAD
# (the committed code) in a worktree under target/, and the job it changes is built there: the real
# job (a patch of flink-job) or the plain average (a patch of benchmarks/).
section_decompose() {
  local dir=$here/target/experiments wt=$here/target/experiments/worktree specs="" patch name kind step
  local log=$dir/mvn.log
  git -C "$root" diff --quiet HEAD -- flink-job schemas benchmarks/src \
    || warn "uncommitted changes: the experiments are builds of HEAD, the real job's row is the working tree's"
  mkdir -p "$dir"
  for patch in "$here"/experiments/*.patch; do
    name=$(basename "$patch" .patch)
    kind=ours
    grep -q '^diff --git a/benchmarks/' "$patch" && kind=plain
    step=$(now_ms)
    info "decompose: building $name ($kind) from HEAD with $patch (log $log)"
    git -C "$root" worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"
    git -C "$root" worktree prune
    git -C "$root" worktree add --detach -q "$wt" HEAD
    (cd "$wt" && git apply "$patch") || die "$patch does not apply to HEAD"
    if [[ $kind == ours ]]; then
      (cd "$wt" && mvn -B -q package -DskipTests -pl flink-job -am) >"$log" 2>&1 \
        || { show_tail "$log" 40; die "the build of $name failed (see above)"; }
      cp "$wt/flink-job/target/feedback-aggregation.jar" "$dir/$name.jar"
    else
      (cd "$wt" && mvn -B -q package -DskipTests -pl benchmarks -am) >"$log" 2>&1 \
        || { show_tail "$log" 40; die "the build of $name failed (see above)"; }
      cp "$wt/benchmarks/target/plain-average-job.jar" "$dir/$name.jar"
    fi
    git -C "$root" worktree remove --force "$wt"
    specs+="${specs:+,}$name=$kind:$dir/$name.jar"
    info "built $name in $(elapsed_since "$step")"
  done
  [[ -n $specs ]] || die "no experiments in $here/experiments"
  info "decompose: $reports reports, $rounds rounds ($warmup_rounds warm-up): ours, plain and $specs"
  harness throughput --bootstrap-servers "$BOOTSTRAP" --rest "$REST" \
    --job-jar "$JOB_JAR" --baseline-jar "$BASELINE_JAR" --kafka-lib "$KAFKA_LIB" \
    --reports "$reports" --rounds "$rounds" --warmup-rounds "$warmup_rounds" \
    --checkpoint-interval "$checkpoint" --parallelism "$parallelism" \
    --job-args "$job_args" --baseline-args "$baseline_args" \
    --variants ours,plain --experiments "$specs"
}

section_latency() {
  info "latency: $rate reports/s, $measure measured per mode, checkpoint $checkpoint in exactly-once"
  harness latency --bootstrap-servers "$BOOTSTRAP" --rest "$REST" --job-jar "$JOB_JAR" \
    --rate "$rate" --measure "$measure" --checkpoint-interval "$checkpoint" --parallelism "$parallelism"
}

# The core's hot path (JMH, one core): label updates per second = items/s x labels per item, against
# a plain Java loop over a hash map on the same items, measured in the same run.
section_core() {
  local out=$here/target/results/core-$stamp.txt
  info "core: JMH CoreBenchmark, 10^3..10^6 labelers, 3..10 labels per item (about 8 minutes)"
  "$JAVA" -jar "$BENCH_JAR" CoreBenchmark -wi 2 -w 2 -i 3 -r 2 -f 1 2>&1 | tee "$out" | grep -E '^(Benchmark|CoreBenchmark)' >&2 || true
  {
    printf '\ncore hot path (JMH, one core): million label updates per second\n'
    printf '(advance: the operator'"'"'s call, a batch of items; step: one call per item)\n'
    printf '%-10s %-6s %12s %12s %12s %8s\n' labelers labels advance step plain-loop ratio
    awk '/^CoreBenchmark\./ {
        split($1, b, "."); key = $2 " " $3; ops = $6 * $3 / 1e6;
        if (b[2] == "mechanismAdvance") a[key] = ops; else if (b[2] == "mechanismItem") m[key] = ops;
        else p[key] = ops; keys[key] = 1 }
      END { for (k in keys) { split(k, x, " ");
        printf "%-10s %-6s %12.2f %12.2f %12.2f %8.2f\n", x[1], x[2], a[k], m[k], p[k], (p[k] > 0 ? a[k] / p[k] : 0) } }' "$out" \
      | sort -k1,1n -k2,2n
    printf 'goals: >= 10 M with 10^5 labelers, >= 4 M with 10^6\n'
  } | tee -a "$results"
  local expiry=$here/target/results/expiry-$stamp.txt
  info "core: JMH ExpiryBenchmark, the pending items' expiries against a sorted map (about 1 minute)"
  "$JAVA" -jar "$BENCH_JAR" ExpiryBenchmark 2>&1 | tee "$expiry" | grep -E '^(Benchmark|ExpiryBenchmark)' >&2 || true
  {
    printf '\npending items'"'"' expiries (JMH, one core, 20,000 items): thousand items per second (close + outcome)\n'
    printf '%-10s %12s %12s %8s\n' times store sorted-map ratio
    awk '/^ExpiryBenchmark\./ { split($1, b, "."); if (b[2] == "store") s[$2] = $5; else m[$2] = $5; keys[$2] = 1 }
      END { for (k in keys) printf "%-10s %12.1f %12.1f %8.1f\n", k, s[k] / 1e3, m[k] / 1e3, (m[k] > 0 ? s[k] / m[k] : 0) }' "$expiry" | sort
  } | tee -a "$results"
  local wire=$here/target/results/wire-$stamp.txt
  info "core: JMH WireBenchmark, the per-item encodings against Avro's and Flink's own (about 1 minute)"
  "$JAVA" -jar "$BENCH_JAR" WireBenchmark 2>&1 | tee "$wire" | grep -E '^(Benchmark|WireBenchmark)' >&2 || true
  {
    printf '\nper-item encodings (JMH, one core): million records per second\n'
    awk '/^WireBenchmark\./ { split($1, b, "."); v[b[2]] = $4 / 1e6 }
      END {
        printf "%-44s %8.2f  Avro'"'"'s encoder %8.2f  ratio %5.2f\n", "aggregated record of 5 labels, sink encoder", v["aggregatedCodec"], v["aggregatedAvro"], (v["aggregatedAvro"] > 0 ? v["aggregatedCodec"] / v["aggregatedAvro"] : 0)
        printf "%-44s %8.2f  Flink POJO      %8.2f  ratio %5.2f\n", "item event to the Mechanism, job serializer", v["itemEventSerializer"], v["itemEventPojo"], (v["itemEventPojo"] > 0 ? v["itemEventSerializer"] / v["itemEventPojo"] : 0)
      }' "$wire"
  } | tee -a "$results"
}

# The Mechanism operator alone in Flink's operator harness (heap and RocksDB), with the core on plain
# maps as the baseline of the same run, and the state footprint.
section_operator() {
  info "operator: Mechanism alone in a MiniCluster (heap and RocksDB), 10^5 labelers, 5 labels per item"
  "$JAVA" -Xmx4g -XX:+UseParallelGC -cp "$BENCH_JAR" dev.feedbackagg.bench.operator.MechanismJobBench \
      100000 5 6000000 3 both 60000 2>/dev/null | grep -v -e WARN -e SLF4J | tee -a "$results"
  info "operator: state footprint"
  "$JAVA" -Xmx6g -XX:+UseParallelGC -cp "$BENCH_JAR" dev.feedbackagg.bench.operator.StateFootprint \
      5 2>/dev/null | tee -a "$results"
}

needs_stack=""
case $section in
  all | e2e | latency | decompose) needs_stack=1 ;;
esac

build_jars
if [[ -n $needs_stack ]]; then
  for f in "$JOB_JAR" "$BASELINE_JAR" "$BENCH_JAR"; do
    [[ -f $f ]] || die "missing $f (run without --no-build)"
  done
  trap stack_down EXIT
  stack_up
fi

case $section in
  all) section_core; section_operator; section_e2e; restart_flink_if_ours; section_latency ;;
  core) section_core ;;
  operator) section_operator ;;
  e2e) section_e2e ;;
  latency) section_latency ;;
  decompose) section_decompose ;;
esac
info "done in $(elapsed_since "$started"); tables in $results"
