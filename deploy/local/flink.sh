#!/usr/bin/env bash
# A Flink standalone session cluster on localhost: one JobManager and one TaskManager as separate
# JVMs, from the jars of deploy/flink-cluster (fetched by Maven on first use). State, logs,
# checkpoints and savepoints: deploy/local/run/flink.
#
#   flink.sh start                         start JobManager + TaskManager, wait for the REST API
#   flink.sh stop                          graceful stop (SIGTERM, then SIGKILL after FLINK_STOP_TIMEOUT s)
#   flink.sh status                        processes, slots and jobs; exit code 0 when all is up, 3 otherwise
#   flink.sh submit [-s SAVEPOINT] JAR [ARGS...]
#                                          upload JAR and run it with the arguments `job ARGS...`
#                                          (from SAVEPOINT if given); prints the job id on stdout.
#                                          The options are checked locally first (job ... --print-config)
#   flink.sh stop-job [--drain] JOBID      stop the job with a savepoint; prints the savepoint path on stdout;
#                                          --drain first advances event time to the end (timers fire,
#                                          the end-of-input snapshot is written), for a final stop
#
# Environment (defaults): FLINK_REST_PORT (8081), FLINK_RPC_PORT (6123), FLINK_SLOTS (2),
# FLINK_JM_MEMORY (1600m), FLINK_TM_MEMORY (1728m), FLINK_TM_JAVA_OPTS (none; extra JVM options of
# the TaskManager, e.g. GC flags), FLINK_CLASSPATH_EXTRA (none; jars, ':'-separated, put on the
# JobManager's and TaskManager's class path, as in Flink's lib/ folder), FLINK_CONF_EXTRA (none;
# lines appended to config.yaml, e.g. 'classloader.resolve-order: parent-first', so that jobs use
# the classes of FLINK_CLASSPATH_EXTRA and the JIT compiles them once per TaskManager, not once per
# job), FLINK_PARALLELISM (1, the cluster default),
# FLINK_START_TIMEOUT (90), FLINK_STOP_TIMEOUT (30), FLINK_SAVEPOINT_TIMEOUT (300),
# FLINK_ENTRY_CLASS (dev.feedbackagg.cli.FeedbackAggregation), FLINK_PREFLIGHT (1; 0 skips the
# local option check), FLINK_REST_URL (the REST API that submit/stop-job/status talk to; default:
# the cluster started here), RUN_DIR (deploy/local/run).
set -euo pipefail

PROG=flink.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FLINK_HOST=localhost
FLINK_REST_PORT=${FLINK_REST_PORT:-8081}
FLINK_RPC_PORT=${FLINK_RPC_PORT:-6123}
FLINK_SLOTS=${FLINK_SLOTS:-2}
FLINK_JM_MEMORY=${FLINK_JM_MEMORY:-1600m}
FLINK_TM_MEMORY=${FLINK_TM_MEMORY:-1728m}
FLINK_PARALLELISM=${FLINK_PARALLELISM:-1}
FLINK_START_TIMEOUT=${FLINK_START_TIMEOUT:-90}
FLINK_STOP_TIMEOUT=${FLINK_STOP_TIMEOUT:-30}
FLINK_SAVEPOINT_TIMEOUT=${FLINK_SAVEPOINT_TIMEOUT:-300}
FLINK_ENTRY_CLASS=${FLINK_ENTRY_CLASS:-dev.feedbackagg.cli.FeedbackAggregation}

FLINK_DIR=$RUN_DIR/flink
CONF_DIR=$FLINK_DIR/conf
LOG_DIR=$FLINK_DIR/log
TMP_DIR=$FLINK_DIR/tmp
JM_PID_FILE=$FLINK_DIR/jobmanager.pid
TM_PID_FILE=$FLINK_DIR/taskmanager.pid
REST_URL_FILE=$FLINK_DIR/rest.url
JM_MAIN=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
TM_MAIN=org.apache.flink.runtime.taskexecutor.TaskManagerRunner
# What the command lines contain (pid checks): the main class and our own config folder.
JM_PATTERN="$JM_MAIN --configDir $CONF_DIR"
TM_PATTERN="$TM_MAIN --configDir $CONF_DIR"

# The module opens and exports Flink's own scripts pass on Java 17 (env.java.default-opts.all of
# the distribution's config.yaml).
JAVA17_OPTS=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

usage() {
  sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

# The REST API of the cluster: FLINK_REST_URL, else the one this script started, else the default.
rest_url() {
  if [[ -n ${FLINK_REST_URL:-} ]]; then
    printf '%s\n' "${FLINK_REST_URL%/}"
  elif [[ -s $REST_URL_FILE ]]; then
    cat "$REST_URL_FILE"
  else
    printf 'http://%s:%s\n' "$FLINK_HOST" "$FLINK_REST_PORT"
  fi
}

# rest METHOD PATH [JSON_BODY]: sets REST_CODE (HTTP status, 000 when nothing answers) and REST_BODY.
rest() {
  local method=$1 path=$2 body=${3:-} out
  local -a args=(-sS --max-time "${REST_MAX_TIME:-30}" -X "$method" -w '\n%{http_code}')
  if [[ -n $body ]]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$body")
  fi
  out=$(curl "${args[@]}" "$(rest_url)$path" 2>/dev/null) || true
  REST_CODE=${out##*$'\n'}
  REST_BODY=${out%$'\n'*}
  [[ $REST_CODE =~ ^[0-9]{3}$ ]] || REST_CODE=000
  [[ $REST_CODE != 000 ]] || REST_BODY=""
}

# rest_ok WHAT: stops with the REST error when the last call did not answer 2xx.
rest_ok() {
  if [[ $REST_CODE != 2* ]]; then
    if [[ $REST_CODE == 000 ]]; then
      die "$1: no answer from $(rest_url) (is the cluster up? './flink.sh status')"
    fi
    printf '%s\n' "$REST_BODY" | json_errors >&2
    die "$1: HTTP $REST_CODE from $(rest_url)"
  fi
}

write_configs() {
  mkdir -p "$CONF_DIR" "$LOG_DIR" "$TMP_DIR" "$FLINK_DIR/web" "$FLINK_DIR/work" "$FLINK_DIR/plugins" \
    "$FLINK_DIR/checkpoints" "$FLINK_DIR/savepoints"
  cat >"$CONF_DIR/config.yaml" <<EOF
# Written by deploy/local/flink.sh when the cluster starts: a session cluster on $FLINK_HOST.
jobmanager.rpc.address: $FLINK_HOST
jobmanager.rpc.port: $FLINK_RPC_PORT
jobmanager.bind-host: $FLINK_HOST
jobmanager.memory.process.size: $FLINK_JM_MEMORY
# Every job run on a session cluster leaves ~20 MB of classes in the JobManager's metaspace.
jobmanager.memory.jvm-metaspace.size: ${FLINK_JM_METASPACE:-512m}
taskmanager.host: $FLINK_HOST
taskmanager.bind-host: $FLINK_HOST
taskmanager.memory.process.size: $FLINK_TM_MEMORY
taskmanager.numberOfTaskSlots: $FLINK_SLOTS
parallelism.default: $FLINK_PARALLELISM
rest.address: $FLINK_HOST
rest.bind-address: $FLINK_HOST
rest.port: $FLINK_REST_PORT
# Scratch files stay under run/, not in the system temp folder.
io.tmp.dirs: '$TMP_DIR'
web.tmpdir: '$FLINK_DIR/web'
process.working-dir: '$FLINK_DIR/work'
execution.checkpointing.dir: 'file://$FLINK_DIR/checkpoints'
execution.checkpointing.savepoint-dir: 'file://$FLINK_DIR/savepoints'
# JobManager and TaskManager start together: a TaskManager that comes up before the
# ResourceManager retries after this delay (default 10 s).
cluster.registration.error-delay: 1 s
# A System.exit() in the job's main() (it exits non-zero on bad options) fails the submission
# instead of killing the JobManager.
cluster.intercept-user-system-exit: THROW
${FLINK_CONF_EXTRA:-}
EOF
  local name
  for name in jobmanager taskmanager; do
    cat >"$CONF_DIR/log4j-$name.properties" <<'EOF'
# Written by deploy/local/flink.sh. log.file is set on the command line (the web UI serves it).
monitorInterval = 30
shutdownHook = disable
rootLogger.level = INFO
rootLogger.appenderRef.main.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.append = true
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.pekko.name = org.apache.pekko
logger.pekko.level = INFO
logger.kafka.name = org.apache.kafka
logger.kafka.level = INFO
logger.zookeeper.name = org.apache.zookeeper
logger.zookeeper.level = WARN
logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline
logger.netty.level = OFF
EOF
  done
  cat >"$CONF_DIR/log4j-console.properties" <<'EOF'
rootLogger.level = WARN
rootLogger.appenderRef.console.ref = ConsoleAppender
appender.console.name = ConsoleAppender
appender.console.type = Console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %c - %m%n
EOF
  printf 'http://%s:%s\n' "$FLINK_HOST" "$FLINK_REST_PORT" >"$REST_URL_FILE"
}

# memory_params GET_JM_RESOURCE_PARAMS|GET_TM_RESOURCE_PARAMS OUTFILE: the two lines Flink's
# scripts get from BashJavaUtils (JVM memory flags, then -D dynamic properties).
memory_params() {
  local command=$1 out=$2
  "$JAVA" -Xmx128m -Djava.io.tmpdir="$TMP_DIR" \
    -Dlog4j.configurationFile="file:$CONF_DIR/log4j-console.properties" \
    -cp "$LIB/*" org.apache.flink.runtime.util.bash.BashJavaUtils "$command" --configDir "$CONF_DIR" \
    2>>"$LOG_DIR/bash-java-utils.log" \
    | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p' >"$out"
}

compute_memory_params() {
  memory_params GET_JM_RESOURCE_PARAMS "$FLINK_DIR/jobmanager.params" &
  local jm=$!
  memory_params GET_TM_RESOURCE_PARAMS "$FLINK_DIR/taskmanager.params" &
  local tm=$!
  wait "$jm" || true
  wait "$tm" || true
  local f
  for f in jobmanager taskmanager; do
    if [[ $(wc -l <"$FLINK_DIR/$f.params") -ne 2 ]]; then
      show_tail "$LOG_DIR/bash-java-utils.log" 30
      die "BashJavaUtils could not compute the $f memory settings from $CONF_DIR/config.yaml"
    fi
  done
}

# launch NAME MAIN PIDFILE: starts a JobManager or TaskManager JVM in the background.
launch() {
  local name=$1 main=$2 pidfile=$3
  local -a jvm dynamic extra=()
  read -r -a jvm < <(sed -n 1p "$FLINK_DIR/$name.params")
  if [[ $name == taskmanager && -n ${FLINK_TM_JAVA_OPTS:-} ]]; then
    read -r -a extra <<<"$FLINK_TM_JAVA_OPTS"
  fi
  read -r -a dynamic < <(sed -n 2p "$FLINK_DIR/$name.params")
  info "starting the $name, log $LOG_DIR/$name.log"
  FLINK_PLUGINS_DIR=$FLINK_DIR/plugins FLINK_CONF_DIR=$CONF_DIR start_daemon "$pidfile" "$LOG_DIR/$name.out" \
    "$FLINK_DIR/work" \
    "$JAVA" "${jvm[@]}" "${extra[@]}" -XX:+IgnoreUnrecognizedVMOptions "${JAVA17_OPTS[@]}" \
    -Djava.security.manager=allow -Djava.awt.headless=true -Djava.io.tmpdir="$TMP_DIR" \
    -Dlog.file="$LOG_DIR/$name.log" \
    -Dlog4j.configurationFile="file:$CONF_DIR/log4j-$name.properties" \
    -cp "$LIB/*${FLINK_CLASSPATH_EXTRA:+:$FLINK_CLASSPATH_EXTRA}" "$main" --configDir "$CONF_DIR" "${dynamic[@]}"
}

# overview_field KEY: a number of the last /overview answer.
overview_field() { printf '%s\n' "$OVERVIEW" | json_field "$1"; }

cmd_start() {
  local jm_pid="" tm_pid=""
  jm_pid=$(running_pid "$JM_PID_FILE" "$JM_PATTERN") || true
  tm_pid=$(running_pid "$TM_PID_FILE" "$TM_PATTERN") || true
  if [[ -n $jm_pid && -n $tm_pid ]]; then
    info "Flink is already running (JobManager pid $jm_pid, TaskManager pid $tm_pid), web UI $(rest_url)"
    return 0
  fi
  require_java
  command -v curl >/dev/null 2>&1 || die "no 'curl' found: it talks to Flink's REST API (apt-get install curl)"
  LIB=$(ensure_lib flink-cluster flink-runtime-)
  local started
  started=$(now_ms)
  if [[ -z $jm_pid && -z $tm_pid ]]; then
    require_free_port "$FLINK_REST_PORT" "Flink REST and web UI, FLINK_REST_PORT"
    require_free_port "$FLINK_RPC_PORT" "Flink JobManager RPC, FLINK_RPC_PORT"
    write_configs
    compute_memory_params
  elif [[ ! -s $FLINK_DIR/jobmanager.params || ! -s $FLINK_DIR/taskmanager.params ]]; then
    compute_memory_params
  fi
  if [[ -n $jm_pid ]]; then
    info "the JobManager is already running (pid $jm_pid)"
  else
    launch jobmanager "$JM_MAIN" "$JM_PID_FILE"
    jm_pid=$(<"$JM_PID_FILE")
  fi
  if [[ -n $tm_pid ]]; then
    info "the TaskManager is already running (pid $tm_pid)"
  else
    launch taskmanager "$TM_MAIN" "$TM_PID_FILE"
    tm_pid=$(<"$TM_PID_FILE")
  fi

  # Up = the REST API answers /overview with our TaskManager's slots registered.
  local deadline=$(( $(date +%s) + FLINK_START_TIMEOUT )) rest_up="" tms slots
  while :; do
    if ! kill -0 "$jm_pid" 2>/dev/null; then
      rm -f "$JM_PID_FILE"
      show_tail "$LOG_DIR/jobmanager.out" 20
      show_tail "$LOG_DIR/jobmanager.log" 40
      die "the JobManager exited during start-up (see the logs above)"
    fi
    if ! kill -0 "$tm_pid" 2>/dev/null; then
      rm -f "$TM_PID_FILE"
      show_tail "$LOG_DIR/taskmanager.out" 20
      show_tail "$LOG_DIR/taskmanager.log" 40
      die "the TaskManager exited during start-up (see the logs above)"
    fi
    if (( $(date +%s) >= deadline )); then
      show_tail "$LOG_DIR/jobmanager.log" 20
      show_tail "$LOG_DIR/taskmanager.log" 20
      die "Flink not up after $FLINK_START_TIMEOUT s (processes still run; './flink.sh stop' stops them)"
    fi
    REST_MAX_TIME=2 rest GET /overview
    if [[ $REST_CODE == 200 ]]; then
      if [[ -z $rest_up ]]; then
        rest_up=1
        info "REST API answers after $(elapsed_since "$started")"
      fi
      OVERVIEW=$REST_BODY
      tms=$(overview_field taskmanagers)
      slots=$(overview_field slots-total)
      if (( ${tms:-0} >= 1 && ${slots:-0} >= FLINK_SLOTS )); then
        break
      fi
    fi
    sleep 0.3
  done
  info "Flink is up in $(elapsed_since "$started"): JobManager pid $jm_pid, TaskManager pid $tm_pid," \
    "$tms TaskManager(s), $slots slots, web UI $(rest_url)"
}

cmd_stop() {
  local jm_pid
  if jm_pid=$(running_pid "$JM_PID_FILE" "$JM_PATTERN"); then
    REST_MAX_TIME=3 rest GET /jobs/overview
    if [[ $REST_CODE == 200 && $REST_BODY == *'"state":"RUNNING"'* ]]; then
      warn "jobs still run and stop without a savepoint (use './flink.sh stop-job JOBID' first to keep their state):"
      print_jobs "$REST_BODY" RUNNING
    fi
  fi
  stop_process "the TaskManager" "$TM_PID_FILE" "$TM_PATTERN" "$FLINK_STOP_TIMEOUT"
  stop_process "the JobManager" "$JM_PID_FILE" "$JM_PATTERN" "$FLINK_STOP_TIMEOUT"
}

# print_jobs JOBS_OVERVIEW_JSON [STATE]: one line per job (id, state, name), to stderr.
print_jobs() {
  local json=$1 only=${2:-} chunk jid name state
  while IFS= read -r chunk; do
    [[ $chunk == '{"jid"'* ]] || continue
    jid=$(printf '%s\n' "$chunk" | json_field jid)
    name=$(printf '%s\n' "$chunk" | json_field name)
    state=$(printf '%s\n' "$chunk" | json_field state)
    [[ -z $only || $state == "$only" ]] || continue
    printf '  %s  %-10s %s\n' "$jid" "$state" "$name" >&2
  done < <(printf '%s\n' "$json" | sed 's/{"jid"/\n{"jid"/g')
}

cmd_status() {
  local jm_pid="" tm_pid="" rc=0
  jm_pid=$(running_pid "$JM_PID_FILE" "$JM_PATTERN") || true
  tm_pid=$(running_pid "$TM_PID_FILE" "$TM_PATTERN") || true
  info "JobManager: $(if [[ -n $jm_pid ]]; then echo "running, pid $jm_pid"; else echo "not running"; fi)"
  info "TaskManager: $(if [[ -n $tm_pid ]]; then echo "running, pid $tm_pid"; else echo "not running"; fi)"
  [[ -n $jm_pid && -n $tm_pid ]] || rc=3
  REST_MAX_TIME=3 rest GET /overview
  if [[ $REST_CODE != 200 ]]; then
    info "REST API $(rest_url): no answer"
    return 3
  fi
  OVERVIEW=$REST_BODY
  info "REST API $(rest_url): Flink $(overview_field flink-version)," \
    "$(overview_field taskmanagers) TaskManager(s), $(overview_field slots-available)/$(overview_field slots-total) slots free," \
    "jobs: $(overview_field jobs-running) running, $(overview_field jobs-finished) finished," \
    "$(overview_field jobs-cancelled) cancelled, $(overview_field jobs-failed) failed"
  REST_MAX_TIME=3 rest GET /jobs/overview
  if [[ $REST_CODE == 200 ]]; then
    print_jobs "$REST_BODY"
  fi
  return "$rc"
}

cmd_submit() {
  local savepoint=""
  while [[ ${1:-} == -* ]]; do
    case $1 in
      -s | --savepoint)
        [[ $# -ge 2 ]] || die "$1 needs a savepoint path"
        savepoint=$2
        shift 2
        ;;
      --) shift; break ;;
      *) die "unknown submit option $1 (usage: submit [-s SAVEPOINT] JAR [ARGS...])" ;;
    esac
  done
  [[ $# -ge 1 ]] || die "usage: submit [-s SAVEPOINT] JAR [ARGS...]"
  local jar=$1
  shift
  [[ -f $jar ]] || die "no jar at $jar (build it: mvn -B -q install -DskipTests)"
  command -v curl >/dev/null 2>&1 || die "no 'curl' found: it talks to Flink's REST API (apt-get install curl)"
  local started
  started=$(now_ms)

  # Check the options locally first (`job ... --print-config` parses and validates them, then exits):
  # on the cluster a bad option only says "Flink user code attempted to exit JVM".
  if [[ ${FLINK_PREFLIGHT:-1} != 0 ]]; then
    require_java
    local check
    if ! check=$("$JAVA" -Xmx256m -cp "$jar" "$FLINK_ENTRY_CLASS" job "$@" --print-config 2>&1 >/dev/null); then
      printf '%s\n' "$check" | head -n 3 >&2
      die "the job rejects these options (java -jar $jar job --help lists them); nothing submitted"
    fi
  fi

  # POST /jars/upload (multipart, field jarfile) -> {"filename":"/.../UUID_name.jar","status":"success"}
  local out code body
  out=$(curl -sS --max-time 300 -X POST -H 'Expect:' -F "jarfile=@$jar;type=application/java-archive" \
    -w '\n%{http_code}' "$(rest_url)/jars/upload" 2>&1) || true
  code=${out##*$'\n'}
  body=${out%$'\n'*}
  REST_CODE=$code REST_BODY=$body
  [[ $REST_CODE =~ ^[0-9]{3}$ ]] || REST_CODE=000
  rest_ok "uploading $jar"
  local filename jar_id
  filename=$(printf '%s\n' "$REST_BODY" | json_field filename)
  jar_id=${filename##*/}
  [[ -n $jar_id ]] || die "the upload answered without a file name: $REST_BODY"
  info "uploaded $(basename "$jar") as $jar_id in $(elapsed_since "$started")"

  # POST /jars/ID/run {"entryClass", "programArgsList", "savepointPath"} -> {"jobid":"..."}
  local args_json arg
  args_json=$(json_string job)
  for arg in "$@"; do
    args_json+=",$(json_string "$arg")"
  done
  body="{\"entryClass\":$(json_string "$FLINK_ENTRY_CLASS"),\"programArgsList\":[$args_json]"
  if [[ -n $savepoint ]]; then
    body+=",\"savepointPath\":$(json_string "$savepoint"),\"allowNonRestoredState\":false"
  fi
  body+="}"
  REST_MAX_TIME=300 rest POST "/jars/$jar_id/run" "$body"
  local run_code=$REST_CODE run_body=$REST_BODY
  # The job graph is in the blob store now: the uploaded copy is not needed any more.
  REST_MAX_TIME=10 rest DELETE "/jars/$jar_id"
  REST_CODE=$run_code REST_BODY=$run_body
  rest_ok "running $jar_id"
  local job_id
  job_id=$(printf '%s\n' "$REST_BODY" | json_field jobid)
  [[ -n $job_id ]] || die "the run answered without a job id: $REST_BODY"
  info "submitted job $job_id${savepoint:+ from $savepoint} in $(elapsed_since "$started")"
  printf '%s\n' "$job_id"
}

cmd_stop_job() {
  local drain=false
  if [[ ${1:-} == --drain ]]; then
    drain=true
    shift
  fi
  [[ $# -eq 1 ]] || die "usage: stop-job [--drain] JOBID"
  local job_id=$1
  [[ $job_id =~ ^[0-9a-f]{32}$ ]] || die "not a job id: $job_id"
  command -v curl >/dev/null 2>&1 || die "no 'curl' found: it talks to Flink's REST API (apt-get install curl)"
  local started
  started=$(now_ms)

  # POST /jobs/ID/stop {"drain":false} -> {"request-id":"..."} (savepoint into the configured folder)
  rest POST "/jobs/$job_id/stop" "{\"drain\":$drain}"
  rest_ok "stopping job $job_id"
  local request
  request=$(printf '%s\n' "$REST_BODY" | json_field request-id)
  [[ -n $request ]] || die "the stop answered without a request id: $REST_BODY"
  info "stopping job $job_id with a savepoint (request $request)"

  # GET /jobs/ID/savepoints/REQUEST -> {"status":{"id":"IN_PROGRESS"}} ... {"status":{"id":"COMPLETED"},
  # "operation":{"location":"file:/..."}} or {"status":{"id":"COMPLETED"},"operation":{"failure-cause":{...}}}
  local deadline=$(( $(date +%s) + FLINK_SAVEPOINT_TIMEOUT )) status location
  while :; do
    rest GET "/jobs/$job_id/savepoints/$request"
    rest_ok "polling savepoint $request"
    status=$(printf '%s\n' "$REST_BODY" | grep -o '"status":{"id":"[A-Z_]*"' | sed 's/.*"id":"//; s/"$//')
    if [[ $status == COMPLETED ]]; then
      break
    fi
    if (( $(date +%s) >= deadline )); then
      die "savepoint of job $job_id not done after $FLINK_SAVEPOINT_TIMEOUT s (status ${status:-unknown})"
    fi
    sleep 0.5
  done
  location=$(printf '%s\n' "$REST_BODY" | json_field location)
  if [[ -z $location ]]; then
    printf '%s\n' "$REST_BODY" | sed 's/\\n/\n/g; s/\\t/    /g' | head -n 30 >&2
    die "stop-with-savepoint of job $job_id failed (the job keeps running)"
  fi

  # The job finishes once the savepoint is done.
  local state=""
  deadline=$(( $(date +%s) + 60 ))
  while (( $(date +%s) < deadline )); do
    rest GET "/jobs/$job_id"
    state=$(printf '%s\n' "$REST_BODY" | json_field state)
    [[ $state == FINISHED || $state == CANCELED || $state == FAILED ]] && break
    sleep 0.3
  done
  info "job $job_id is ${state:-in an unknown state}; savepoint in $(elapsed_since "$started"):"
  printf '%s\n' "$location"
}

case ${1:-} in
  start) take_lock flink; cmd_start ;;
  stop) take_lock flink; cmd_stop ;;
  status) cmd_status ;;
  submit) shift; cmd_submit "$@" ;;
  stop-job) shift; cmd_stop_job "$@" ;;
  *) usage ;;
esac
