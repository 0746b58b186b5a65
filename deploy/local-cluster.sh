#!/usr/bin/env bash
# A three-node backbone cluster on this machine, as docs/deploy.md describes it: one Redis (append-only,
# fsync on every write), the stand-alone identity host, and three nodes on distinct loopback ports, all
# on Redis clustering, grain storage and reminders. Data under data/cluster/. Ctrl+C stops everything.
#
#   node 1: gRPC 127.0.0.1:5101, web :5081     identity host: http://127.0.0.1:5001/
#   node 2: gRPC 127.0.0.1:5102, web :5082     Redis: 127.0.0.1:6380
#   node 3: gRPC 127.0.0.1:5103, web :5083
#
# Arguments are passed to every node, e.g. ./deploy/local-cluster.sh --Backbone:Gateway:RateLimits:Default=100000
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends redis-server
fi

dotnet build Backbone.sln -c Release -v quiet -nologo
silo=silos/Backbone.Silo/bin/Release/net10.0/Backbone.Silo.dll
identity=identity/Backbone.Identity/bin/Release/net10.0/Backbone.Identity.dll

root=data/cluster
mkdir -p "$root/redis"
chmod 700 data "$root"
# Every node must hash ID numbers with the same secret: made once, kept beside the cluster's data.
key_file="$root/id-number-hash.key"
if [ ! -f "$key_file" ]; then
  (umask 077 && head -c 32 /dev/urandom | base64 > "$key_file")
fi

nodes=() identity_pid="" redis_pid=""
stop() {
  trap - EXIT
  # Nodes first (SIGTERM: they finish their calls and leave the cluster), then the identity host, then
  # Redis, which the leaving nodes still write to.
  for pid in "${nodes[@]}" $identity_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${nodes[@]}" $identity_pid; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$redis_pid" ]; then kill -TERM "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
}
trap stop EXIT
trap 'exit 130' INT TERM

# In its own session, so Ctrl+C in this terminal does not stop Redis before the nodes have left.
setsid redis-server --port 6380 --bind 127.0.0.1 --dir "$PWD/$root/redis" --daemonize no \
  --appendonly yes --appendfsync always --save "" >"$root/redis.log" 2>&1 &
redis_pid=$!

# The hash key goes in the environment, which other users cannot read (command lines they can).
export Backbone__Privacy__IdNumberHashKey="$(cat "$key_file")"
for i in 1 2 3; do
  dotnet "$silo" \
    --Backbone:DataDirectory="$root/node-$i" \
    --Backbone:Ports:Grpc=510$i --Backbone:Ports:Web=508$i \
    --Backbone:Ports:Silo=1111$i --Backbone:Ports:OrleansGateway=3000$i \
    --Backbone:Cluster:Provider=Redis --ConnectionStrings:Redis=127.0.0.1:6380 \
    --Backbone:Identity:Mode=External --Backbone:Identity:Authority=http://127.0.0.1:5001/ \
    "$@" >"$root/node-$i.log" 2>&1 &
  nodes+=($!)
  if [ "$i" -eq 1 ]; then sleep 5; fi # the first node creates the membership table; the others join it
done
unset Backbone__Privacy__IdNumberHashKey

# One client to try the cluster with (a partner system that may register and read citizens); it is
# also the identity host's registrar for citizens who sign up. Local use only: its secret is here.
dotnet "$identity" \
  --Backbone:DataDirectory="$root/identity" \
  --Backbone:Identity:BackboneAddress=http://127.0.0.1:5101 \
  --Backbone:Identity:RegistrarClientId=local-partner \
  --Backbone:Identity:Clients:0:ClientId=local-partner \
  --Backbone:Identity:Clients:0:Secret=local-partner-secret-not-for-production \
  --Backbone:Identity:Clients:0:Scopes:0=citizen.profile \
  --Backbone:Identity:Clients:0:Scopes:1=citizen.register \
  --Backbone:Identity:Clients:0:Scopes:2=grid.read \
  >"$root/identity.log" 2>&1 &
identity_pid=$!

for port in 5081 5082 5083 5001; do
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { echo "127.0.0.1:$port is not ready; see $root/*.log" >&2; exit 1; }
done

echo "Cluster ready: nodes on gRPC 127.0.0.1:5101-5103 (web :5081-5083), identity http://127.0.0.1:5001/, Redis 127.0.0.1:6380."
echo "Logs in $root/. Ctrl+C stops it."
wait
