#!/usr/bin/env bash
# Stops the local stack: the Flink cluster first (its Kafka clients would otherwise wait for the
# broker), then Kafka. Idempotent. `down.sh --purge` also deletes run/kafka and run/flink (topics,
# data, checkpoints, savepoints, logs).
# Environment: see kafka.sh and flink.sh.
set -euo pipefail

PROG=down.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

purge=""
case ${1:-} in
  "") ;;
  --purge) purge=1 ;;
  *) die "usage: down.sh [--purge]" ;;
esac

started=$(now_ms)
"$LOCAL_DIR/flink.sh" stop
"$LOCAL_DIR/kafka.sh" stop
if [[ -n $purge ]]; then
  # Only the folders these scripts own, whatever RUN_DIR says.
  info "deleting $RUN_DIR/kafka and $RUN_DIR/flink"
  rm -rf -- "$RUN_DIR/kafka" "$RUN_DIR/flink"
  rmdir -- "$RUN_DIR" 2>/dev/null || true
fi
info "down in $(elapsed_since "$started")"
