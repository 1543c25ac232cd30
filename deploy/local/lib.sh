# shellcheck shell=bash
# Shared helpers of the local start scripts (kafka.sh, flink.sh, up.sh, down.sh). Source it; do not run it.
#
# Conventions: progress and errors go to stderr, results a caller may capture (a job id, a
# savepoint path) go to stdout. Every wait is a bounded poll. State lives under $RUN_DIR
# (deploy/local/run by default, gitignored).

LOCAL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT_DIR=$(cd "$LOCAL_DIR/../.." && pwd)
RUN_DIR=${RUN_DIR:-$LOCAL_DIR/run}
PROG=${PROG:-$(basename "$0")}

info() { printf '%s: %s\n' "$PROG" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

# Milliseconds since the epoch (GNU date).
now_ms() { date +%s%3N; }

# "12.3 s" since the given now_ms value.
elapsed_since() {
  local ms=$(( $(now_ms) - $1 ))
  printf '%d.%d s' $(( ms / 1000 )) $(( ms % 1000 / 100 ))
}

# Sets JAVA to a java binary of version 17 or later, or stops with a clear message.
require_java() {
  if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
    JAVA=$JAVA_HOME/bin/java
  elif command -v java >/dev/null 2>&1; then
    JAVA=$(command -v java)
  else
    die "no 'java' found: install a JDK 17 or later (e.g. apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"
  fi
  local version
  version=$("$JAVA" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9.]*\).*/\1/p')
  if [[ -z $version ]]; then
    die "$JAVA does not run (java -version failed)"
  fi
  if [[ $version == 1.* ]] || (( ${version%%.*} < 17 )); then
    die "$JAVA is Java $version; Java 17 or later is needed (set JAVA_HOME)"
  fi
}

require_mvn() {
  command -v mvn >/dev/null 2>&1 \
    || die "no 'mvn' found: install Maven 3.8+ (e.g. apt-get install maven); it fetches the jars from Maven Central"
}

# ensure_lib MODULE JAR_PREFIX: makes sure $ROOT_DIR/deploy/MODULE/target/lib holds a jar named
# JAR_PREFIX*.jar, running `mvn package` on that module when it does not. Prints the lib folder.
ensure_lib() {
  local module=$1 marker=$2
  local lib=$ROOT_DIR/deploy/$module/target/lib
  if ! compgen -G "$lib/$marker*.jar" >/dev/null; then
    require_mvn
    info "fetching the $module classpath: mvn -B -q package -f deploy/$module/pom.xml"
    mkdir -p "$RUN_DIR"
    (cd "$ROOT_DIR" && mvn -B -q package -f "deploy/$module/pom.xml" >"$RUN_DIR/mvn-$module.log" 2>&1) \
      || { show_tail "$RUN_DIR/mvn-$module.log" 40; die "mvn package of deploy/$module failed (see above)"; }
    compgen -G "$lib/$marker*.jar" >/dev/null || die "mvn package ran but $lib has no $marker*.jar"
  fi
  printf '%s\n' "$lib"
}

# pid_matches PID PATTERN: the process PID is alive and its command line contains PATTERN
# (so a pid file left over after a reboot never makes us signal an unrelated process).
pid_matches() {
  local pid=$1 pattern=$2 args
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -r /proc/$pid/cmdline ]]; then
    args=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  else
    args=$(ps -ww -p "$pid" -o args= 2>/dev/null) || return 1
  fi
  [[ $args == *"$pattern"* ]]
}

# running_pid PIDFILE PATTERN: prints the pid and succeeds when the pid file names a live process
# of ours; removes a stale pid file and fails otherwise.
running_pid() {
  local file=$1 pattern=$2 pid
  [[ -f $file ]] || return 1
  pid=$(tr -dc '0-9' <"$file")
  if pid_matches "$pid" "$pattern"; then
    printf '%s\n' "$pid"
    return 0
  fi
  rm -f "$file"
  return 1
}

# port_busy PORT: something listens on TCP PORT (any address).
port_busy() {
  local port=$1
  if command -v ss >/dev/null 2>&1; then
    [[ -n $(ss -Hltn "sport = :$port" 2>/dev/null) ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

# require_free_port PORT WHAT: stops with a clear message when PORT is taken.
require_free_port() {
  local port=$1 what=$2 owner=""
  if port_busy "$port"; then
    if command -v ss >/dev/null 2>&1; then
      owner=$(ss -Hltnp "sport = :$port" 2>/dev/null \
        | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/\1 (pid \2)/p' | head -n 1)
    fi
    die "port $port ($what) is already in use${owner:+ by $owner}, and not by a process these scripts started;" \
      "stop it or choose another port (see the variables at the top of $PROG)"
  fi
}

# tcp_open HOST PORT: a TCP connection to HOST:PORT succeeds now.
tcp_open() {
  # shellcheck disable=SC2016 # $0 and $1 are the inner shell's arguments
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# start_daemon PIDFILE OUTFILE WORKDIR COMMAND...: starts COMMAND in the background, detached from
# the terminal (nohup, stdin from /dev/null, output appended to OUTFILE), and writes its pid.
start_daemon() {
  local pidfile=$1 out=$2 workdir=$3
  shift 3
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$out")" "$workdir"
  # (fd 9 is the lock of take_lock: the daemon must not keep holding it.)
  (cd "$workdir" && exec nohup "$@" </dev/null >>"$out" 2>&1 9>&-) &
  printf '%s\n' "$!" >"$pidfile"
}

# stop_process NAME PIDFILE PATTERN TIMEOUT_SECONDS: SIGTERM, wait up to the timeout, then SIGKILL.
# Idempotent: a process that is not running is fine.
stop_process() {
  local name=$1 pidfile=$2 pattern=$3 timeout=$4 pid
  if ! pid=$(running_pid "$pidfile" "$pattern"); then
    info "$name is not running"
    return 0
  fi
  local started
  started=$(now_ms)
  info "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + timeout ))
  while kill -0 "$pid" 2>/dev/null && (( $(date +%s) < deadline )); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name (pid $pid) still runs ${timeout} s after SIGTERM: sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$(( $(date +%s) + 10 ))
    while kill -0 "$pid" 2>/dev/null && (( $(date +%s) < deadline )); do
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && die "$name (pid $pid) survived SIGKILL"
  fi
  rm -f "$pidfile"
  info "$name stopped in $(elapsed_since "$started")"
}

# show_tail FILE [LINES]: the end of a log file, to stderr, for error messages.
show_tail() {
  local file=$1 lines=${2:-30}
  if [[ -s $file ]]; then
    printf -- '--- last %s lines of %s ---\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2
    printf -- '---\n' >&2
  fi
}

# Minimal JSON helpers for Flink's compact REST answers (no jq needed).

# json_string VALUE: VALUE as a JSON string literal.
json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# json_field KEY < JSON: the first string or number value of "KEY" (simple values only).
json_field() {
  local key=$1
  grep -o "\"$key\":\(\"[^\"]*\"\|[-0-9.eE]*\)" | head -n 1 | sed 's/^"[^"]*"://; s/^"//; s/"$//'
}

# json_errors < JSON: the "errors" array of a Flink REST error answer, readable (escapes expanded).
json_errors() {
  sed 's/^{"errors":\["//; s/"\]}$//; s/","/\n/g; s/\\n/\n/g; s/\\t/    /g; s/\\"/"/g' | head -n 40
}

# take_lock NAME: serialises the start/stop of one component (two starts at once would otherwise
# launch two processes on one data folder). Waits up to 3 minutes for a concurrent run to finish.
take_lock() {
  local file=$RUN_DIR/.$1.lock
  mkdir -p "$RUN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$file"
    flock -w 180 9 || die "another $PROG run holds $file for 3 minutes; giving up"
  fi
}
