#!/bin/bash
# h2load against a running node, with the tokens and bodies `Backbone.LoadTests --h2load-kit KIT` wrote:
#
#   loadtests/h2load-open.sh KIT health|citizen-me|nearby peak|RATE [SECONDS]
#
# peak: closed, 16 connections with up to 50 calls in flight each, for SECONDS; prints calls/s.
# RATE: open, RATE calls/s over 16 connections (h2load --rps: each connection sends on its own timer, up to 64
# in flight, so a slow answer does not hold back the next call), after a 3 s warm-up; prints the measured calls'
# percentiles from h2load's per-request log. h2load times a call from when it sends it, not from when it was
# due, so keep RATE below the peak. Eight h2load processes share the load (one event loop serving 16 connections
# added ~1 ms to every call at 11,000/s); for nearby each has its own random point of the city.
# h2load sees HTTP statuses only; the gRPC statuses are counted from the node's /metrics (METRICS=<url>), and
# so is the node's CPU per call: all its CPU time over the run, warm-up included, divided by the calls it
# counted for this method (meaningful when nothing else loads the node; it drifts less than peaks do).
set -euo pipefail
KIT=$1 METHOD=$2 RATE=$3 SECONDS_=${4:-20}
TARGET=${TARGET:-http://127.0.0.1:5100} METRICS=${METRICS:-http://127.0.0.1:5080/metrics}
command -v h2load > /dev/null || { echo "h2load is missing: apt-get install -y nghttp2-client" >&2; exit 2; }
case $METHOD in
  health) PATH_=grpc.health.v1.Health/Check TOKEN= BODIES=("$KIT"/health.bin{,,,,,,,}) RPC=Check ;;
  citizen-me) PATH_=backbone.v1.CitizenService/GetCitizen TOKEN=$(cat "$KIT/citizen.token") BODIES=("$KIT"/citizen-me.bin{,,,,,,,}) RPC=GetCitizen ;;
  nearby) PATH_=backbone.v1.ServiceCircleService/FindNearby TOKEN=$(cat "$KIT/partner.token") BODIES=("$KIT"/nearby-*.bin) RPC=FindNearby ;;
  *) echo "unknown method $METHOD" >&2; exit 2 ;;
esac
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
# One scrape before and one after; the statuses and the CPU time are both read from each.
scrape() { curl -sf "$METRICS" > "$WORK/$1" || : > "$WORK/$1"; }
statuses() { grep "^backbone_rpc_server_duration_seconds_count{.*rpc_method=\"$RPC\"" "$WORK/$1" | sed -E 's/.*rpc_grpc_status_code="([A-Za-z]+)".* ([0-9]+)$/\1 \2/' | sort || true; }
cpu() { awk '/^dotnet_process_cpu_time_seconds_total/ { s += $NF } END { printf "%.3f", s }' "$WORK/$1"; }
scrape before.prom
N=${#BODIES[@]} CONNECTIONS=$(( 16 / ${#BODIES[@]} ))
for i in "${!BODIES[@]}"; do
  ARGS=(-t 1 -c "$CONNECTIONS" -H 'content-type: application/grpc' -H 'te: trailers' -d "${BODIES[$i]}")
  [ -n "$TOKEN" ] && ARGS+=(-H "authorization: Bearer $TOKEN")
  if [ "$RATE" = peak ]; then ARGS+=(-D "$SECONDS_" -m 50)
  else ARGS+=(-D "$SECONDS_" --warm-up-time 3 -m 64 --rps $(( (RATE + N * CONNECTIONS - 1) / (N * CONNECTIONS) )) --log-file "$WORK/log.$i"); fi
  h2load "${ARGS[@]}" "$TARGET/$PATH_" > "$WORK/out.$i" &
done
wait
awk '/^finished/ { rate += $4 } /^requests:/ { failed += $10; errored += $12; timeout += $14 }
  END { printf "%s %s: %.0f calls/s, h2load failed %d, errored %d, timed out %d\n", method, mode, rate, failed, errored, timeout }' \
  method="$METHOD" mode="$RATE" "$WORK"/out.*
if [ "$RATE" != peak ]; then
  cat "$WORK"/log.* | cut -f3 | sort -n | awk '{ v[NR] = $1 }
    function at(p) { i = int(p * NR + 0.999999); return v[i < 1 ? 1 : i] / 1000 }
    END { printf "latency ms over %d calls: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", NR, at(0.5), at(0.9), at(0.99), at(0.999), v[NR] / 1000 }'
fi
scrape after.prom
join -a 2 <(statuses before.prom) <(statuses after.prom) | awk -v before="$(cpu before.prom)" -v after="$(cpu after.prom)" '
  { d = (NF == 3 ? $3 - $2 : $2); calls += d; if (d > 0) s = s " " $1 " " d }
  END { print "gRPC statuses counted by the node, warm-up included:" (s == "" ? " none counted" : s)
        if (calls > 0 && after > before) printf "node CPU per call: %.0f us (%.1f s of CPU over %d calls)\n", (after - before) * 1e6 / calls, after - before, calls }'
