#!/usr/bin/env bash
# CPU seconds the local Flink TaskManager spends while a command runs, by thread group (task threads
# by operator chain, JIT compiler threads, GC threads, Kafka client threads, ...). Reads
# /proc/PID/task/*/stat every half second, so threads that end with the job (task threads) count.
#
#   benchmarks/cpu-by-thread.sh COMMAND [ARGS...]
#
# e.g. one run of the real job on a filled topic, then one of the plain average:
#   benchmarks/cpu-by-thread.sh java -cp benchmarks/target/benchmarks.jar \
#     dev.feedbackagg.bench.e2e.E2eBench throughput --variants ours --rounds 1 --warmup-rounds 0 \
#     --reports-topic T.reports --outcomes-topic T.outcomes
#
# Environment: TM_PID (default: the one TaskManagerRunner JVM found with jps). Linux only.
set -euo pipefail

tm=${TM_PID:-$(jps -l | awk '/TaskManagerRunner/ {print $1}' | head -1)}
[[ -n $tm && -d /proc/$tm ]] || { echo "cpu-by-thread.sh: no TaskManager process (set TM_PID)" >&2; exit 2; }
(($# > 0)) || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

samples=$(mktemp)
trap 'rm -f "$samples"' EXIT

# One line per thread: phase tid name ticks. The name is read from comm; the ticks (utime + stime)
# from stat after the name's closing parenthesis (names contain spaces and parentheses).
snap() {
  local phase=$1 t name rest
  for t in /proc/"$tm"/task/*; do
    name=$(tr ' ' '_' <"$t/comm" 2>/dev/null) || continue
    rest=$(sed 's/.*) //' "$t/stat" 2>/dev/null) || continue
    echo "$phase ${t##*/} $name $(awk '{print $12 + $13}' <<<"$rest")"
  done
}

snap 0 >>"$samples"
(while true; do snap 1 >>"$samples"; sleep 0.5; done) &
sampler=$!
status=0
"$@" || status=$?
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
snap 1 >>"$samples"

hz=$(getconf CLK_TCK)
awk -v hz="$hz" '
  NF == 4 {
    name[$2] = $3
    if ($1 == 0) base[$2] = $4
    if ($4 > last[$2]) last[$2] = $4
  }
  END {
    for (t in last) {
      g = name[t]
      sub(/\([0-9].*$/, "", g)    # "ItemWindow_(1/2)#0" -> "ItemWindow_"
      sub(/[#_0-9]+$/, "", g)     # "C2_CompilerThre", "GC_Thread#3" -> group
      cpu[g] += last[t] - base[t]
      total += last[t] - base[t]
    }
    printf "%8.1f s  TaskManager total\n", total / hz
    for (g in cpu) if (cpu[g] > 0) printf "%8.1f s  %s\n", cpu[g] / hz, g
  }' "$samples" | sort -k1,1 -rn
exit "$status"
