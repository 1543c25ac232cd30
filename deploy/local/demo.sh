#!/usr/bin/env bash
# The demo, in one command: builds the job, starts a real Kafka broker and a real Flink cluster on
# this machine, submits the job, sends the `paper` scenario of strategic labelers through Kafka and
# the job while a progress line follows the regret topic, stops the job with drain (so the
# end-of-input snapshot is written), and writes an HTML report with charts and the audit.
#
#   deploy/local/demo.sh [--items N] [--seed S] [--rate RECORDS_PER_S]
#
# Everything stays running afterwards (Flink UI on http://localhost:8081); deploy/local/down.sh
# stops it all.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=deploy/local/lib.sh
source "$here/lib.sh"

items=2000
seed=1
rate=2000
while [[ $# -gt 0 ]]; do
  case $1 in
    --items) items=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

started=$(date +%s)
require_java
require_mvn
jar="$root/flink-job/target/feedback-aggregation.jar"
info "building the job jar (mvn package, tests skipped) ..."
(cd "$root" && mvn -B -q package -DskipTests -pl flink-job -am) >"$here/run/mvn-demo.log" 2>&1 \
  || { tail -n 30 "$here/run/mvn-demo.log" >&2; die "the build failed (log: deploy/local/run/mvn-demo.log)"; }

run_id="demo-$(date +%Y%m%d-%H%M%S)"
export TOPIC_REPORTS="$run_id.reports" TOPIC_OUTCOMES="$run_id.outcomes" TOPIC_AGGREGATED="$run_id.aggregated"
export TOPIC_REGRET="$run_id.regret" TOPIC_WEIGHTS="$run_id.labeler-weights" TOPIC_DLQ="$run_id.dlq"
"$here/up.sh"
bootstrap="127.0.0.1:${KAFKA_PORT:-9092}"

rest_url="http://localhost:${FLINK_REST_PORT:-8081}"
# A demo job left running by an interrupted demo holds the cluster's slots: cancel it.
for old in $(curl -sf "$rest_url/jobs/overview" | grep -o '"jid":"[0-9a-f]*","name":"demo-[^"]*"[^}]*"state":"RUNNING"' \
    | sed 's/"jid":"\([0-9a-f]*\)".*/\1/'); do
  warn "cancelling job $old, left running by an earlier demo"
  curl -sf -X PATCH "$rest_url/jobs/$old?mode=cancel" >/dev/null || true
done
info "submitting the job (topics $run_id.*)"
report_pid="" tail_pid=""
cleanup() {
  [[ -n $report_pid ]] && kill "$report_pid" 2>/dev/null
  [[ -n $tail_pid ]] && kill "$tail_pid" 2>/dev/null
  return 0
}
trap cleanup EXIT
job_id=$("$here/flink.sh" submit "$jar" \
  --bootstrap-servers "$bootstrap" \
  --reports-topic "$TOPIC_REPORTS" --outcomes-topic "$TOPIC_OUTCOMES" \
  --aggregated-topic "$TOPIC_AGGREGATED" --regret-topic "$TOPIC_REGRET" \
  --weights-topic "$TOPIC_WEIGHTS" --dlq-topic "$TOPIC_DLQ" \
  --job-name "$run_id" --group-id "$run_id" --transactional-id-prefix "$run_id" \
  --metrics-interval 1s --checkpoint-interval 2s --parallelism 2 --eta 0.5)

out="$here/run/$run_id"
mkdir -p "$out"
# Every task must run before records flow and before the job can be stopped with a savepoint.
deadline=$(( $(date +%s) + 120 ))
until curl -sf "$rest_url/jobs/$job_id" | grep -q '"state":"RUNNING"' \
    && ! curl -sf "$rest_url/jobs/$job_id" | grep -q '"status":"\(CREATED\|SCHEDULED\|DEPLOYING\|INITIALIZING\)"'; do
  (( $(date +%s) < deadline )) || die "job $job_id not running after 120 s: see $rest_url"
  sleep 0.5
done
info "following $TOPIC_REGRET (T = items with outcome; regret against the best labeler in hindsight):"
java -jar "$jar" report --scenario paper --items "$items" --seed "$seed" \
  --bootstrap-servers "$bootstrap" --regret-topic "$TOPIC_REGRET" --weights-topic "$TOPIC_WEIGHTS" \
  --eta 0.5 --follow --out "$out" \
  --fact "job id=$job_id" --fact "topics=$run_id.*" --fact "scenario=paper, $items items, seed $seed" \
  >"$out/summary.txt" 2>"$out/report.err" &
report_pid=$!
# Show the report's progress line while it runs.
tail -f "$out/report.err" --pid "$report_pid" >&2 &
tail_pid=$!

java -jar "$jar" simulate --scenario paper --items "$items" --seed "$seed" \
  --kafka "$bootstrap" --reports-topic "$TOPIC_REPORTS" --outcomes-topic "$TOPIC_OUTCOMES" \
  --rate "$rate" >"$out/simulate.txt"

# Wait until the job has read every record (its consumer group, committed at each checkpoint,
# has no lag), then stop with drain, so event time runs to the end and the job writes the last
# snapshots (the end-of-input one included) before it finishes.
broker_lib="$root/deploy/kafka-broker/target/lib"
deadline=$(( $(date +%s) + 300 ))
while :; do
  lag=$(java -cp "$broker_lib/*" org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
      --bootstrap-server "$bootstrap" --describe --group "$run_id" 2>/dev/null \
    | awk -v r="$TOPIC_REPORTS" -v o="$TOPIC_OUTCOMES" '($2==r||$2==o) && $6 ~ /^[0-9]+$/ {n++; s+=$6} END {print (n>=8 ? s : "?")}')
  [[ $lag == 0 ]] && break
  (( $(date +%s) < deadline )) || die "the job did not catch up with the input in 300 s (lag $lag)"
  sleep 1
done
"$here/flink.sh" stop-job --drain "$job_id" >"$out/savepoint.txt"
if ! wait "$report_pid"; then
  die "the report failed: see $out/report.err"
fi
report_pid=""
wait "$tail_pid" 2>/dev/null || true
tail_pid=""

echo >&2
cat "$out/summary.txt"
info "simulated: $(head -n 1 "$out/simulate.txt")"
info "demo done in $(( $(date +%s) - started )) s"
info "report:   $out/report.html"
info "Flink UI: http://localhost:${FLINK_REST_PORT:-8081}  (the job is finished; the cluster keeps running)"
info "stop everything: deploy/local/down.sh"
