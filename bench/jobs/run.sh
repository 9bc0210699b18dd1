#!/usr/bin/env bash
# Jobs benchmark: end-to-end jobs per second (submit to completion, trivial handler, one and two instances) beside
# redis-benchmark's raw XADD rate against the same Redis in the same run, then a soak with a slow handler that samples
# the heap (after a GC) and Redis' memory. Loopback Redis only; every load is bounded in count and time; the keys it
# writes are unique to the run and deleted at the end.
#
#   bench/jobs/run.sh                          # full run: 200 000 jobs per throughput run, a 10-minute soak
#   JOBS=50000 SOAK_SECONDS=120 bench/jobs/run.sh   # shorter
#   bench/jobs/run.sh throughput               # raw XADD and the throughput runs only
#   bench/jobs/run.sh soak                     # the soak only (SOAK_SECONDS, 10 minutes by default)
#
# Settings (environment): REDIS_HOST/REDIS_PORT (127.0.0.1:6379), JOBS (200000), CONCURRENCY (64 per instance),
# XADD_REQUESTS (200000), SOAK_SECONDS (600), SOAK_HANDLER_MS (50), SOAK_CONCURRENCY (32), SOAK_RATE (400 per s).
# Prints RESULT/SOAK lines and writes them to OUT (bench/jobs/results.txt; bench/jobs/soak.txt for the soak only).
set -euo pipefail
cd "$(dirname "$0")/../.."

REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
JOBS=${JOBS:-200000}
CONCURRENCY=${CONCURRENCY:-64}
XADD_REQUESTS=${XADD_REQUESTS:-200000}
SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_HANDLER_MS=${SOAK_HANDLER_MS:-50}
SOAK_CONCURRENCY=${SOAK_CONCURRENCY:-32}
SOAK_RATE=${SOAK_RATE:-400}
MODE=${1:-all}
case "$MODE" in
  all|throughput) OUT=${OUT:-bench/jobs/results.txt} ;;
  soak) OUT=${OUT:-bench/jobs/soak.txt} ;;
  *) echo "usage: $0 [all|throughput|soak]"; exit 2 ;;
esac
XADD_KEY="fluxgate-bench:xadd:$$:$RANDOM"

command -v redis-benchmark >/dev/null || { echo "redis-benchmark is needed (Debian package redis-tools)"; exit 1; }
cleanup() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" DEL "$XADD_KEY" >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "Building (service and starter, test classes) and resolving the classpath"
./mvnw -B -q -pl starter-autoconfigure -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$PWD/bench/jobs/.classpath" -Dmdep.includeScope=test >/dev/null
CP="starter-autoconfigure/target/test-classes:starter-autoconfigure/target/classes:service/target/classes:$(cat bench/jobs/.classpath)"
JAVA_OPTS="-Xmx512m -Dbench.redis.host=$REDIS_HOST -Dbench.redis.port=$REDIS_PORT"

{
  echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(redis-server --version | cut -d' ' -f3), java $(java -version 2>&1 | head -1 | cut -d'"' -f2)"
  if [ "$MODE" != soak ]; then
    echo "# raw XADD: redis-benchmark -n $XADD_REQUESTS -c 50 (MAXLEN ~ 10000 keeps the key small)"
    redis-benchmark -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$XADD_REQUESTS" -c 50 -q \
      XADD "$XADD_KEY" MAXLEN '~' 10000 '*' payload 12345 | tr '\r' '\n' | grep -v '^$' | tail -1 | sed 's/^/RESULT xadd /'
    cleanup
    for instances in 1 2; do
      java $JAVA_OPTS -cp "$CP" dev.fluxgate.bench.JobsBenchmark throughput "$instances" "$JOBS" "$CONCURRENCY" | grep '^RESULT'
    done
  fi
  if [ "$MODE" != throughput ]; then
    echo "# soak: ${SOAK_SECONDS}s, handler ${SOAK_HANDLER_MS} ms, concurrency $SOAK_CONCURRENCY, $SOAK_RATE submits/s"
    java $JAVA_OPTS -cp "$CP" dev.fluxgate.bench.JobsBenchmark soak "$SOAK_SECONDS" "$SOAK_HANDLER_MS" "$SOAK_CONCURRENCY" "$SOAK_RATE" | grep '^SOAK'
  fi
  echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT"
