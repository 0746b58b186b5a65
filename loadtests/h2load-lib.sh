# Sourced by the h2load scripts (h2load-open.sh, h2load-peak.sh): the kit's methods, h2load's open model, the
# node's /metrics and percentiles of h2load's per-request logs. Expects KIT and WORK (a scratch directory) set.
TARGET=${TARGET:-http://127.0.0.1:5100} WEB=${WEB:-http://127.0.0.1:5080} METRICS=${METRICS:-$WEB/metrics}
command -v h2load > /dev/null || { echo "h2load is missing: apt-get install -y nghttp2-client" >&2; exit 2; }

# kit_method NAME: sets PATH_, TOKEN, BODIES (one per h2load process; nearby has eight points of the city), RPC, and
# JSON_URL for a method called as mini-programs call it, JSON over HTTP/1.1 on the web port (nearby-json).
kit_method() {
  JSON_URL=
  case $1 in
    health) PATH_=grpc.health.v1.Health/Check TOKEN= BODIES=("$KIT"/health.bin{,,,,,,,}) RPC=Check ;;
    citizen-me) PATH_=backbone.v1.CitizenService/GetCitizen TOKEN=$(cat "$KIT/citizen.token") BODIES=("$KIT"/citizen-me.bin{,,,,,,,}) RPC=GetCitizen ;;
    nearby) PATH_=backbone.v1.ServiceCircleService/FindNearby TOKEN=$(cat "$KIT/partner.token") BODIES=("$KIT"/nearby-*.bin) RPC=FindNearby ;;
    nearby-json) JSON_URL="$WEB/v1/facilities:nearby?location.latitude=30.66&location.longitude=104.06" TOKEN=$(cat "$KIT/partner.token")
      BODIES=(- - - - - - - -) RPC=FindNearby ;;
    *) echo "unknown method $1" >&2; exit 2 ;;
  esac
}

# h2load_start METHOD TAG peak|RATE SECONDS [WARM_UP_SECONDS]: starts eight h2load processes in the background over
# 16 connections, closed (up to 50 calls in flight each) or open at RATE calls/s in all (--rps: each connection
# sends on its own timer, up to 64 in flight, so a slow answer does not hold back the next call). With a warm-up
# each process logs its measured calls to WORK/log.TAG.N (start in µs since the epoch, HTTP status, µs taken);
# its summary goes to WORK/out.TAG.N. One event loop serving 16 connections added ~1 ms to every call at
# 11,000/s, hence eight processes.
h2load_start() {
  local method=$1 tag=$2 rate=$3 seconds=$4 warm_up=${5:-} i connections
  kit_method "$method"
  connections=$(( 16 / ${#BODIES[@]} ))
  for i in "${!BODIES[@]}"; do
    local args=(-t 1 -c "$connections" -D "$seconds")
    # HTTP/1.1 has one call in flight per connection: the JSON form gets eight times the connections.
    if [ -n "$JSON_URL" ]; then args=(-t 1 -c $(( connections * 8 )) -D "$seconds" --h1)
    else args+=(-H 'content-type: application/grpc' -H 'te: trailers' -d "${BODIES[$i]}"); fi
    [ -n "$TOKEN" ] && args+=(-H "authorization: Bearer $TOKEN")
    if [ -n "$JSON_URL" ]; then [ "$rate" = peak ] || args+=(--rps $(( (rate + 128 - 1) / 128 )))
    elif [ "$rate" = peak ]; then args+=(-m 50)
    else args+=(-m 64 --rps $(( (rate + 16 - 1) / 16 ))); fi
    [ -n "$warm_up" ] && args+=(--warm-up-time "$warm_up" --log-file "$WORK/log.$tag.$i")
    h2load "${args[@]}" "${JSON_URL:-$TARGET/$PATH_}" > "$WORK/out.$tag.$i" &
  done
}

# h2load_rate TAG: the calls per second the processes of TAG finished, in all.
h2load_rate() { awk '/^finished/ { rate += $4 } END { printf "%.0f", rate }' "$WORK"/out."$1".*; }

# percentiles: µs taken, one per line on stdin -> "N calls: p50 .. p90 .. p99 .. p99.9 .. max .." in ms.
percentiles() {
  sort -n | awk '{ v[NR] = $1 }
    function at(p) { i = int(p * NR + 0.999999); return v[i < 1 ? 1 : i] / 1000 }
    END { printf "%d calls: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", NR, at(0.5), at(0.9), at(0.99), at(0.999), v[NR] / 1000 }'
}

# scrape NAME: the node's /metrics into WORK/NAME (empty when it cannot be read).
scrape() { curl -sf "$METRICS" > "$WORK/$1" || : > "$WORK/$1"; }
# statuses NAME RPC: "STATUS COUNT" lines of RPC's calls in scrape NAME.
statuses() { grep "^backbone_rpc_server_duration_seconds_count{.*rpc_method=\"$2\"" "$WORK/$1" | sed -E 's/.*rpc_grpc_status_code="([A-Za-z]+)".* ([0-9]+)$/\1 \2/' | sort || true; }
# counted BEFORE AFTER RPC: RPC's calls between the two scrapes, in all, then each status with its count
# ("12 OK 10 Unavailable 2"; "0" when none were counted).
counted() {
  join -a 2 <(statuses "$1" "$3") <(statuses "$2" "$3") | awk '{ d = (NF == 3 ? $3 - $2 : $2); calls += d; if (d > 0) s = s " " $1 " " d } END { print calls + 0 s }'
}
# cpu NAME: the node's CPU seconds in scrape NAME.
cpu() { awk '/^dotnet_process_cpu_time_seconds_total/ { s += $NF } END { printf "%.3f", s }' "$WORK/$1"; }

# stolen_since JIFFIES SECONDS: the share of the machine's CPU time the hypervisor gave other guests since
# /proc/stat's steal counter read JIFFIES, SECONDS (date +%s.%N) ago. On a shared virtual machine a few per
# cent of steal is enough to move a p99.
steal_jiffies() { awk '/^cpu / { print $9 }' /proc/stat; }
stolen_since() {
  awk -v before="$1" -v after="$(steal_jiffies)" -v start="$2" -v end="$(date +%s.%N)" -v hz="$(getconf CLK_TCK)" -v cpus="$(nproc)" \
    'BEGIN { printf "CPU time stolen by the hypervisor during the run: %.1f %% of the machine\n", 100 * (after - before) / hz / (end - start) / cpus }'
}
