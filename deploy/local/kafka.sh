#!/usr/bin/env bash
# A single-node Kafka broker (KRaft, combined broker + controller) on 127.0.0.1, from the jars of
# deploy/kafka-broker (fetched by Maven on first use). State: deploy/local/run/kafka.
#
#   kafka.sh start    format the data folder once, start the broker, wait until it answers
#   kafka.sh stop     graceful stop (SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT s)
#   kafka.sh status   running or not; exit code 0 when it runs and answers, 3 otherwise
#   kafka.sh topics   create the job's topics (idempotent) and list them
#
# Environment (defaults): KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP (-Xmx512m),
# KAFKA_START_TIMEOUT (60), KAFKA_STOP_TIMEOUT (30), RUN_DIR (deploy/local/run), and the topic names
# TOPIC_REPORTS, TOPIC_OUTCOMES, TOPIC_AGGREGATED, TOPIC_REGRET, TOPIC_WEIGHTS, TOPIC_DLQ.
set -euo pipefail

PROG=kafka.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_HOST=127.0.0.1
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_HEAP=${KAFKA_HEAP:--Xmx512m}
KAFKA_START_TIMEOUT=${KAFKA_START_TIMEOUT:-60}
KAFKA_STOP_TIMEOUT=${KAFKA_STOP_TIMEOUT:-30}
KAFKA_DIR=$RUN_DIR/kafka
BOOTSTRAP=$KAFKA_HOST:$KAFKA_PORT

# name:partitions[:config], as in ARCHITECTURE.md.
TOPICS=(
  "${TOPIC_REPORTS:-feedback.reports}:4"
  "${TOPIC_OUTCOMES:-feedback.outcomes}:4"
  "${TOPIC_AGGREGATED:-feedback.aggregated}:4"
  "${TOPIC_REGRET:-feedback.regret}:1"
  "${TOPIC_WEIGHTS:-feedback.labeler-weights}:4:cleanup.policy=compact"
  "${TOPIC_DLQ:-feedback.dlq}:1"
)

PID_FILE=$KAFKA_DIR/kafka.pid
# The address of the running broker (status and topics follow it even if KAFKA_PORT changed).
BOOTSTRAP_FILE=$KAFKA_DIR/bootstrap
MAIN_CLASS=kafka.Kafka
# What the broker's command line contains (pid checks): the main class and our own config file.
PID_PATTERN="$MAIN_CLASS $KAFKA_DIR/server.properties"
BROKER_LOG=$KAFKA_DIR/log/server.log
PROCESS_OUT=$KAFKA_DIR/log/process.out

usage() {
  sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

write_configs() {
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/tmp" "$KAFKA_DIR/log"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Written by deploy/local/kafka.sh at every start: single-node KRaft broker on loopback.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  cat >"$KAFKA_DIR/log4j2.properties" <<EOF
status = warn
name = kafka-local
# Keep logging while the broker's own shutdown hook runs.
shutdownHook = disable
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $BROKER_LOG
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
  cat >"$KAFKA_DIR/tools-log4j2.properties" <<'EOF'
status = warn
name = kafka-local-tools
appender.err.type = Console
appender.err.name = STDERR
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.err.ref = STDERR
EOF
  # Short client timeouts for the tools: a broker that does not answer fails a probe quickly.
  cat >"$KAFKA_DIR/tools.properties" <<'EOF'
request.timeout.ms=5000
default.api.timeout.ms=10000
reconnect.backoff.max.ms=500
EOF
}

# kafka_tool MAIN_CLASS ARGS...: runs one of the broker's own tools (bounded by `timeout`).
kafka_tool() {
  local main=$1
  shift
  timeout 30 "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Djava.io.tmpdir="$KAFKA_DIR/tmp" \
    -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.properties" \
    -cp "$LIB/*" "$main" "$@"
}

# The ClusterId the broker on $BOOTSTRAP reports (MetadataQuorumCommand), or nothing.
answered_cluster_id() {
  kafka_tool org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server "$BOOTSTRAP" \
    --command-config "$KAFKA_DIR/tools.properties" describe --status 2>/dev/null \
    | sed -n 's/^ClusterId: *//p' | tr -d '[:space:]'
}

format_once() {
  if [[ -f $KAFKA_DIR/data/meta.properties ]]; then
    return 0
  fi
  local id
  id=$("$JAVA" -Xmx128m -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.properties" \
    -cp "$LIB/*" kafka.tools.StorageTool random-uuid | tail -n 1 | tr -d '[:space:]')
  [[ $id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid printed no cluster id: '$id'"
  info "formatting $KAFKA_DIR/data (cluster id $id)"
  "$JAVA" -Xmx128m -Dlog4j2.configurationFile="$KAFKA_DIR/tools-log4j2.properties" \
    -cp "$LIB/*" kafka.tools.StorageTool format -t "$id" -c "$KAFKA_DIR/server.properties" \
    >>"$KAFKA_DIR/log/format.out" 2>&1 || { show_tail "$KAFKA_DIR/log/format.out" 20; die "StorageTool format failed"; }
  printf '%s\n' "$id" >"$KAFKA_DIR/cluster.id"
}

cluster_id() {
  sed -n 's/^cluster\.id=//p' "$KAFKA_DIR/data/meta.properties" 2>/dev/null | tr -d '[:space:]'
}

use_running_bootstrap() {
  if [[ -s $BOOTSTRAP_FILE ]]; then
    BOOTSTRAP=$(<"$BOOTSTRAP_FILE")
  fi
}

cmd_start() {
  local pid
  if pid=$(running_pid "$PID_FILE" "$PID_PATTERN"); then
    use_running_bootstrap
    info "Kafka is already running (pid $pid) on $BOOTSTRAP"
    return 0
  fi
  require_java
  LIB=$(ensure_lib kafka-broker kafka_2.13-)
  require_free_port "$KAFKA_PORT" "Kafka broker, KAFKA_PORT"
  require_free_port "$KAFKA_CONTROLLER_PORT" "Kafka controller, KAFKA_CONTROLLER_PORT"
  local started
  started=$(now_ms)
  write_configs
  format_once
  local expected_id
  expected_id=$(cluster_id)

  info "starting Kafka on $BOOTSTRAP (controller $KAFKA_HOST:$KAFKA_CONTROLLER_PORT), log $BROKER_LOG"
  local -a heap
  read -r -a heap <<<"$KAFKA_HEAP"
  start_daemon "$PID_FILE" "$PROCESS_OUT" "$KAFKA_DIR" \
    "$JAVA" "${heap[@]}" -Djava.awt.headless=true -Djava.io.tmpdir="$KAFKA_DIR/tmp" \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.properties" \
    -cp "$LIB/*" "$MAIN_CLASS" "$KAFKA_DIR/server.properties"
  pid=$(<"$PID_FILE")

  # Ready = the broker's own tool gets our cluster id back (a cheap TCP probe gates the JVM runs).
  local deadline=$(( $(date +%s) + KAFKA_START_TIMEOUT )) answered=""
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      show_tail "$PROCESS_OUT" 20
      show_tail "$BROKER_LOG" 40
      die "the Kafka broker exited during start-up (see the logs above)"
    fi
    if (( $(date +%s) >= deadline )); then
      show_tail "$BROKER_LOG" 40
      die "Kafka not ready after $KAFKA_START_TIMEOUT s (pid $pid still runs; './kafka.sh stop' stops it)"
    fi
    if tcp_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      answered=$(answered_cluster_id || true)
      if [[ -n $answered ]]; then
        [[ $answered == "$expected_id" ]] \
          || die "$BOOTSTRAP answers with cluster $answered, not ours ($expected_id)"
        break
      fi
    fi
    sleep 0.3
  done
  printf '%s\n' "$BOOTSTRAP" >"$BOOTSTRAP_FILE"
  info "Kafka is up (pid $pid) on $BOOTSTRAP in $(elapsed_since "$started")"
}

cmd_stop() {
  stop_process Kafka "$PID_FILE" "$PID_PATTERN" "$KAFKA_STOP_TIMEOUT"
}

cmd_status() {
  local pid
  if ! pid=$(running_pid "$PID_FILE" "$PID_PATTERN"); then
    info "Kafka is not running"
    return 3
  fi
  use_running_bootstrap
  require_java
  LIB=$(ensure_lib kafka-broker kafka_2.13-)
  local answered
  answered=$(answered_cluster_id || true)
  if [[ -n $answered ]]; then
    info "Kafka is running (pid $pid) on $BOOTSTRAP, cluster id $answered, data $KAFKA_DIR/data"
    return 0
  fi
  info "Kafka process runs (pid $pid) but $BOOTSTRAP does not answer"
  return 3
}

cmd_topics() {
  local pid
  pid=$(running_pid "$PID_FILE" "$PID_PATTERN") || die "Kafka is not running: './kafka.sh start' first"
  use_running_bootstrap
  require_java
  LIB=$(ensure_lib kafka-broker kafka_2.13-)
  local started
  started=$(now_ms)

  # One describe of all topics: "Topic: NAME<TAB>TopicId: ..<TAB>PartitionCount: N<TAB>...Configs: ..".
  local described
  described=$(kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
    --command-config "$KAFKA_DIR/tools.properties" --describe) || die "listing the topics on $BOOTSTRAP failed"

  local spec name partitions config line have_partitions have_configs created=0
  for spec in "${TOPICS[@]}"; do
    IFS=: read -r name partitions config <<<"$spec"
    line=$(printf '%s\n' "$described" | grep -E "^Topic: $(printf '%s' "$name" | sed 's/[.]/\\./g')[[:space:]]" || true)
    if [[ -n $line ]]; then
      have_partitions=$(printf '%s\n' "$line" | sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p')
      have_configs=$(printf '%s\n' "$line" | sed -n 's/.*Configs: *//p')
      if [[ $have_partitions != "$partitions" ]]; then
        warn "topic $name exists with $have_partitions partitions (wanted $partitions); left as it is"
      fi
      if [[ -n $config && $have_configs != *"$config"* ]]; then
        warn "topic $name exists without $config; left as it is"
      fi
      continue
    fi
    local -a args=(--bootstrap-server "$BOOTSTRAP" --command-config "$KAFKA_DIR/tools.properties"
      --create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor 1)
    [[ -n $config ]] && args+=(--config "$config")
    # (Kafka warns about '.' in every topic name: metric names; these names are the contract.)
    kafka_tool org.apache.kafka.tools.TopicCommand "${args[@]}" 2>&1 \
      | { grep -v "^WARNING: Due to limitations in metric names" >&2 || true; } \
      || die "creating topic $name failed"
    created=$(( created + 1 ))
  done
  if (( created > 0 )); then
    described=$(kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" \
      --command-config "$KAFKA_DIR/tools.properties" --describe) || die "listing the topics on $BOOTSTRAP failed"
  fi
  info "topics ready ($created created) in $(elapsed_since "$started"):"
  for spec in "${TOPICS[@]}"; do
    IFS=: read -r name partitions config <<<"$spec"
    printf '%s\n' "$described" | grep -E "^Topic: $(printf '%s' "$name" | sed 's/[.]/\\./g')[[:space:]]" \
      | sed -E 's/\t(TopicId|ReplicationFactor): [^\t]*//g; s/\t/  /g; s/^/  /' >&2 \
      || die "topic $name is missing after its creation"
  done
}

case ${1:-} in
  start) take_lock kafka; cmd_start ;;
  stop) take_lock kafka; cmd_stop ;;
  status) cmd_status ;;
  topics) cmd_topics ;;
  *) usage ;;
esac
