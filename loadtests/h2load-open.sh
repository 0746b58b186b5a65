#!/bin/bash
# h2load against a running node, with the tokens and bodies `Backbone.LoadTests --h2load-kit KIT` wrote:
#
#   loadtests/h2load-open.sh KIT health|citizen-me|nearby peak|RATE [SECONDS]
#
# peak: closed, 16 connections with up to 50 calls in flight each, for SECONDS; prints calls/s.
# RATE: open, RATE calls/s over 16 connections, after a 3 s warm-up; prints the measured calls' percentiles
# from h2load's per-request log. h2load times a call from when it sends it, not from when it was due, so keep
# RATE below the peak. For nearby each h2load process has its own random point of the city.
# h2load sees HTTP statuses only; the gRPC statuses are counted from the node's /metrics (METRICS=<url>), and
# so is the node's CPU per call: all its CPU time over the run, warm-up included, divided by the calls it
# counted for this method (meaningful when nothing else loads the node; it drifts less than peaks do).
set -euo pipefail
KIT=$1 METHOD=$2 RATE=$3 SECONDS_=${4:-20}
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
. "$(dirname "$0")/h2load-lib.sh"
# One scrape before and one after; the statuses and the CPU time are both read from each.
scrape before.prom
steal_start=$(steal_jiffies) start_time=$(date +%s.%N)
if [ "$RATE" = peak ]; then h2load_start "$METHOD" run peak "$SECONDS_"; else h2load_start "$METHOD" run "$RATE" "$SECONDS_" 3; fi
wait
awk '/^requests:/ { failed += $10; errored += $12; timeout += $14 }
  END { printf "%s %s: %d calls/s, h2load failed %d, errored %d, timed out %d\n", method, mode, rate, failed, errored, timeout }' \
  method="$METHOD" mode="$RATE" rate="$(h2load_rate run)" "$WORK"/out.run.*
if [ "$RATE" != peak ]; then echo "latency ms over $(cat "$WORK"/log.run.* | cut -f3 | percentiles)"; fi
scrape after.prom
stolen_since "$steal_start" "$start_time"
read -r calls seen <<< "$(counted before.prom after.prom "$RPC")"
echo "gRPC statuses counted by the node, warm-up included: ${seen:-none counted}"
awk -v before="$(cpu before.prom)" -v after="$(cpu after.prom)" -v calls="$calls" 'BEGIN {
  if (calls > 0 && after > before) printf "node CPU per call: %.0f us (%.1f s of CPU over %d calls)\n", (after - before) * 1e6 / calls, after - before, calls }'
