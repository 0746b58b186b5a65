#!/bin/bash
# What a flood of deferrable calls does to an essential stream, both measured in one run (h2load, with the
# tokens and bodies `Backbone.LoadTests --h2load-kit KIT` wrote):
#
#   loadtests/h2load-peak.sh KIT ESSENTIAL_RATE FLOOD_RATE [CYCLES] [ON_SECONDS] [OFF_SECONDS]
#   FLOOD=nearby-json loadtests/h2load-peak.sh ...   # the flood as mini-programs send it: JSON over HTTP/1.1
#   FLOOD_TARGET=http://127.0.0.1:5200 FLOOD_WEB=http://127.0.0.1:5180 loadtests/h2load-peak.sh ...
#                                  # the flood at another node (a control: what the flood costs the essential calls
#                                  # through the shared machine alone, since the node they call sees none of it)
#
# GetCitizen(me) runs open at ESSENTIAL_RATE calls/s throughout (ESSENTIAL=health for the bare health check);
# FindNearby (deferrable) floods at FLOOD_RATE calls/s for ON_SECONDS, then stops for OFF_SECONDS, CYCLES
# times (default 6 cycles of 10 s on, 10 s off), after a 3 s warm-up and one OFF phase. Alternating the
# flood within one run compares like with like on a machine whose speed drifts between runs. An essential
# call counts as flooded when it was sent while the flood's processes ran (their start and end included), and
# as alone when no flood had run in the SETTLE seconds (default 2) before it; those in between count as neither.
# Prints the percentiles of each, the p99 ratio of each cycle and of the whole run, and what the node counted
# of each method (with peak mode on, the flood should be all UNAVAILABLE), and how much CPU time the
# hypervisor took away (on a shared virtual machine a few per cent stolen disturbs a run). MAX_RATIO=2 makes
# the exit status 1 when the whole run's ratio is above 2, so a pipeline can gate on it.
set -euo pipefail
KIT=$1 ESSENTIAL_RATE=$2 FLOOD_RATE=$3 CYCLES=${4:-6} ON=${5:-10} OFF=${6:-10} SETTLE=${SETTLE:-2}
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
. "$(dirname "$0")/h2load-lib.sh"
now() { date +%s%6N; }

scrape before.prom
steal_start=$(steal_jiffies) start_time=$(date +%s.%N)
h2load_start "${ESSENTIAL:-citizen-me}" essential "$ESSENTIAL_RATE" $(( OFF + CYCLES * (ON + OFF) )) 3
essential_rpc=$RPC essential=$(jobs -p)
sleep $(( 3 + OFF ))
: > "$WORK/windows"
for cycle in $(seq "$CYCLES"); do
  start=$(now)
  TARGET=${FLOOD_TARGET:-$TARGET} WEB=${FLOOD_WEB:-$WEB} h2load_start "${FLOOD:-nearby}" "flood.$cycle" "$FLOOD_RATE" "$ON"
  wait $(jobs -p | grep -vxF "$essential")
  echo "$start $(now)" >> "$WORK/windows"
  echo "cycle $cycle: flood of $(h2load_rate "flood.$cycle") calls/s for $ON s" >&2
  if [ "$cycle" -lt "$CYCLES" ]; then sleep "$OFF"; fi
done
wait
scrape after.prom
stolen=$(stolen_since "$steal_start" "$start_time")

# Each measured essential call as "cycle class µs": alone before cycle N's flood, or in cycle N's flood.
cat "$WORK"/log.essential.* | awk -v windows="$WORK/windows" -v settle=$(( SETTLE * 1000000 )) '
  BEGIN { while ((getline line < windows) > 0) { split(line, w, " "); n++; from[n] = w[1]; to[n] = w[2] } }
  { for (i = 1; i <= n; i++) {
      if ($1 < from[i]) { if (i == 1 || $1 > to[i - 1] + settle) print i, "alone", $3; next }
      if ($1 <= to[i]) { print i, "flooded", $3; next } }
    if ($1 > to[n] + settle) print n + 1, "alone", $3 }' > "$WORK/calls"

# measured CYCLE|all CLASS: the percentiles of those essential calls ("N calls: p50 .. p99 .. ..").
measured() { awk -v c="$1" -v k="$2" '(c == "all" || $1 == c) && $2 == k { print $3 }' "$WORK/calls" | percentiles; }
p99() { sed -E 's/.* p99 ([0-9.]+) .*/\1/' <<< "$1"; }
ratio() { awk -v a="$(p99 "$1")" -v f="$(p99 "$2")" 'BEGIN { printf "%.2f", (a > 0 ? f / a : 0) }'; }
for cycle in $(seq "$CYCLES"); do
  alone=$(measured "$cycle" alone) flooded=$(measured "$cycle" flooded)
  echo "cycle $cycle: essential p99 alone $(p99 "$alone") ms over ${alone%% *} calls, flooded $(p99 "$flooded") ms over ${flooded%% *} calls, ratio $(ratio "$alone" "$flooded")"
done
alone=$(measured all alone) flooded=$(measured all flooded)
echo "essential alone, ms over $alone"
echo "essential flooded, ms over $flooded"
total=$(ratio "$alone" "$flooded")
echo "essential p99 flooded / alone: $total"
for rpc in "$essential_rpc" FindNearby; do
  read -r _ seen <<< "$(counted before.prom after.prom "$rpc")"
  echo "$rpc counted by the node, warm-up included: ${seen:-none counted}"
done
echo "$stolen"
if [ -n "${MAX_RATIO:-}" ] && awk -v r="$total" -v m="$MAX_RATIO" 'BEGIN { exit !(r > m) }'; then
  echo "ratio $total is above MAX_RATIO $MAX_RATIO" >&2
  exit 1
fi
