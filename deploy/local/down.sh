#!/usr/bin/env bash
# Stops the local stack: the Flink cluster first (its Kafka clients would otherwise wait for the
# broker), then Kafka. Idempotent. `down.sh --purge` also deletes deploy/local/run (topics, data,
# checkpoints, savepoints, logs).
# Environment: see kafka.sh and flink.sh.
set -euo pipefail

PROG=down.sh
# shellcheck source=lib.sh
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
  info "deleting $RUN_DIR"
  rm -rf -- "$RUN_DIR"
fi
info "down in $(elapsed_since "$started")"
