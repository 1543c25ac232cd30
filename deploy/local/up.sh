#!/usr/bin/env bash
# Starts the local stack: builds the job jar if it is missing, starts the Kafka broker, creates the
# topics, starts the Flink session cluster. Idempotent: what already runs is left running.
# Then: ./flink.sh submit ../../flink-job/target/feedback-aggregation.jar --bootstrap-servers 127.0.0.1:9092
# Environment: see kafka.sh and flink.sh.
set -euo pipefail

PROG=up.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

JOB_JAR=$ROOT_DIR/flink-job/target/feedback-aggregation.jar

started=$(now_ms)
if [[ ! -f $JOB_JAR ]]; then
  require_mvn
  step=$(now_ms)
  info "building the job jar: mvn -B -q package -DskipTests -pl flink-job -am"
  mkdir -p "$RUN_DIR"
  (cd "$ROOT_DIR" && mvn -B -q package -DskipTests -pl flink-job -am >"$RUN_DIR/mvn-flink-job.log" 2>&1) \
    || { show_tail "$RUN_DIR/mvn-flink-job.log" 40; die "building the job jar failed (see above)"; }
  [[ -f $JOB_JAR ]] || die "the build ran but $JOB_JAR is missing"
  info "job jar built in $(elapsed_since "$step")"
fi

step=$(now_ms)
"$LOCAL_DIR/kafka.sh" start
info "kafka.sh start: $(elapsed_since "$step")"
step=$(now_ms)
"$LOCAL_DIR/kafka.sh" topics
info "kafka.sh topics: $(elapsed_since "$step")"
step=$(now_ms)
"$LOCAL_DIR/flink.sh" start
info "flink.sh start: $(elapsed_since "$step")"

info "up in $(elapsed_since "$started"): Kafka 127.0.0.1:${KAFKA_PORT:-9092}, Flink web UI http://localhost:${FLINK_REST_PORT:-8081}"
info "submit the job: $LOCAL_DIR/flink.sh submit $JOB_JAR --bootstrap-servers 127.0.0.1:${KAFKA_PORT:-9092}"
