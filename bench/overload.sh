#!/usr/bin/env bash
# Open-loop overload benchmark (issue 12): the sample app under Gatling's open injection at 0.5, 1, 2 and 4 x its
# capacity C, then back to 0.5 x C, for each configuration: plain Boot (fluxgate.enabled=false), Fluxgate's defaults
# (fixed shedding), Fluxgate without its standing-queue bounds (queues bounded by length and max wait only, as before),
# each other shedding mode (adaptive, off), and Netflix concurrency-limits' Gradient2Limit and VegasLimit behind
# Fluxgate's shedder (bench/netflix-limits). C is measured closed-loop first (wrk) on the first configuration and then kept for all.
# bench/README.md explains the method and the definitions (goodput, admitted latency, recovery).
#
#   bench/overload.sh                   # full run: 2 scenarios x 7 configurations x (4 x 30 s + 15 s), about 45 min
#   BENCH_QUICK=1 bench/overload.sh     # reduced run: 6 s steps, about 15 minutes (35 on a busy machine)
#   BENCH_SCENARIOS=work BENCH_CONFIGS="plain default" BENCH_QUICK=1 bench/overload.sh   # a subset
#
# Knobs (environment): BENCH_SCENARIOS ("work cpu"),
# BENCH_CONFIGS ("plain default no-standing-queue adaptive shedding-off gradient2 vegas"),
# BENCH_STEP_SECONDS (30), BENCH_RECOVERY_SECONDS (15), BENCH_FACTORS (0.5,1,2,4), BENCH_CAPACITY_WORK and
# BENCH_CAPACITY_CPU (req/s: skip the measurement), BENCH_PROFILE (services: PostgreSQL and Redis; empty: H2),
# BENCH_REQUEST_TIMEOUT_MS (10000, the clients' patience), BENCH_PORT (18190), BENCH_JVM_OPTS, BENCH_SKIP_BUILD=1.
#
# Writes docs/benchmarks/overload.csv (one row per scenario, configuration and step; also printed),
# docs/benchmarks/overload-<scenario>.png (goodput and admitted p99 against offered load), and
# docs/benchmarks/raw/overload/ (per-second timelines, capacity runs, Prometheus scrapes, app and Gatling logs).
# Gatling's HTML reports stay in bench/gatling/target/gatling/. Loopback only; every load is bounded in time; every
# process is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

SCENARIOS=${BENCH_SCENARIOS:-work cpu}
CONFIGS=${BENCH_CONFIGS:-plain default no-standing-queue adaptive shedding-off gradient2 vegas}
if [ -n "${BENCH_QUICK:-}" ]; then
  STEP=${BENCH_STEP_SECONDS:-6}; RECOVERY=${BENCH_RECOVERY_SECONDS:-8}; WARM=${BENCH_WARM_SECONDS:-5}; CAP=${BENCH_CAPACITY_SECONDS:-5}
else
  STEP=${BENCH_STEP_SECONDS:-30}; RECOVERY=${BENCH_RECOVERY_SECONDS:-15}; WARM=${BENCH_WARM_SECONDS:-15}; CAP=${BENCH_CAPACITY_SECONDS:-10}
fi
FACTORS=${BENCH_FACTORS:-0.5,1,2,4}
PROFILE=${BENCH_PROFILE-services}
TIMEOUT_MS=${BENCH_REQUEST_TIMEOUT_MS:-10000}
PORT=${BENCH_PORT:-18190}
JVM_OPTS=${BENCH_JVM_OPTS:--Xms512m -Xmx512m}
OUT=docs/benchmarks
RAW=$OUT/raw/overload
SAMPLE_JAR=sample-app/target/fluxgate-sample-app-0.1.0-SNAPSHOT.jar
LIMITS=bench/netflix-limits/target
declare -A PATHS=([work]="/work?ms=50" [cpu]="/cpu?ms=20")
declare -A CAPACITY=([work]=${BENCH_CAPACITY_WORK:-} [cpu]=${BENCH_CAPACITY_CPU:-})
declare -A ARGS=(
  [plain]="--fluxgate.enabled=false"
  [default]=""
  # The queues as they were before the standing-queue bounds: an interval no run reaches switches them off.
  [no-standing-queue]="--fluxgate.r2dbc.pool.queue-interval=1h --fluxgate.offload.queue-interval=1h"
  [adaptive]="--fluxgate.server.concurrency.mode=adaptive"
  [shedding-off]="--fluxgate.server.concurrency.mode=off"
  [gradient2]="--bench.limit=gradient2"
  [vegas]="--bench.limit=vegas"
)

need wrk wrk
need gnuplot gnuplot-nox
require_free_port "$PORT" BENCH_PORT

if [ -z "${BENCH_SKIP_BUILD:-}" ] || [ ! -f "$SAMPLE_JAR" ]; then
  echo "Building the sample app, the Netflix adapter and the Gatling simulation"
  ./mvnw -B -q -Pbench -pl sample-app,bench/netflix-limits -am package -DskipTests
  ./mvnw -B -q -f bench/gatling/pom.xml test-compile
fi
rm -rf "$RAW"; mkdir -p "$RAW"
{ echo "start: $(date -Is) $(uptime)"; echo "jvm: $(java -version 2>&1 | head -1); flags: $JVM_OPTS; profile: ${PROFILE:-none (H2)}"; } > "$RAW/machine.txt"
echo "scenario,config,connections,seconds,rps,non2xx,p99_ms" > "$RAW/capacity.csv"

APP_PID=""
start_app() {  # config log
  # PropertiesLauncher runs the sample's own fat jar with the Netflix adapter added (loader.path); the adapter does
  # nothing unless bench.limit is set, so every configuration has the same classpath. No schema script: /work and
  # /cpu need no table, and the shared PostgreSQL stays untouched.
  java $JVM_OPTS -Dloader.path="$LIMITS/fluxgate-bench-netflix-limits-0.1.0-SNAPSHOT.jar,$LIMITS/lib" \
    -cp "$SAMPLE_JAR" org.springframework.boot.loader.launch.PropertiesLauncher \
    --server.port="$PORT" ${PROFILE:+--spring.profiles.active=$PROFILE} --spring.sql.init.mode=never ${ARGS[$1]} \
    --logging.level.root=WARN --logging.level.dev.fluxgate.sample.SampleApplication=INFO > "$2" 2>&1 &
  APP_PID=$!
  track_pid "$APP_PID"
  wait_http "$APP_PID" "http://127.0.0.1:$PORT/actuator/health" "$2"
}

scrape() { curl -s "http://127.0.0.1:$PORT/actuator/prometheus" | grep -E '^fluxgate_gate_(rejected|admitted)_total' || true; }

for scenario in $SCENARIOS; do
  path=${PATHS[$scenario]}
  for config in $CONFIGS; do
    run="$scenario-$config"
    echo "== $scenario ($path), $config"
    start_app "$config" "$RAW/$run-app.log"
    wrk -t2 -c10 -d"${WARM}"s --timeout 10s "http://127.0.0.1:$PORT$path" > "$RAW/$run-warmup.txt" 2>&1 || true
    if [ -z "${CAPACITY[$scenario]}" ]; then
      # Closed loop with twice the pool's connections: the pool (or the cores) is always busy, nothing is offered
      # beyond what the service can take.
      f="$RAW/$run-capacity.txt"
      wrk -t2 -c20 -d"${CAP}"s --timeout 10s --latency "http://127.0.0.1:$PORT$path" > "$f" 2>&1 || true
      n=$(wrk_requests "$f"); bad=$(wrk_non2xx "$f")
      CAPACITY[$scenario]=$(awk -v n="$n" -v b="$bad" -v s="$CAP" 'BEGIN { printf "%.0f", (n - b) / s }')
      echo "$scenario,$config,20,$CAP,$(wrk_rps "$f"),$bad,$(wrk_p99 "$f")" >> "$RAW/capacity.csv"
      echo "   capacity C = ${CAPACITY[$scenario]} req/s (closed loop, 20 connections, $config)"
    fi
    scrape > "$RAW/$run-prometheus-before.txt"
    lines_before=$(wc -l < "$RAW/$run-app.log")
    ./mvnw -B -q -f bench/gatling/pom.xml gatling:test -Dbench.baseUrl="http://127.0.0.1:$PORT" \
      -Dbench.path="$path" -Dbench.capacity="${CAPACITY[$scenario]}" -Dbench.factors="$FACTORS" \
      -Dbench.stepSeconds="$STEP" -Dbench.recoverySeconds="$RECOVERY" -Dbench.scenario="$scenario" \
      -Dbench.config="$config" -Dbench.out="$PWD/$RAW/$run" -Dgatling.http.requestTimeout="$TIMEOUT_MS" \
      > "$RAW/$run-gatling.log" 2>&1 || echo "   Gatling failed; see $RAW/$run-gatling.log"
    scrape > "$RAW/$run-prometheus-after.txt"
    echo "   app log lines during the run: $(( $(wc -l < "$RAW/$run-app.log") - lines_before )), RSS $(rss_mb "$APP_PID") MB"
    stop_pid "$APP_PID"
    [ -f "$RAW/$run/steps.csv" ] && cat "$RAW/$run/steps.csv"
  done
done
echo "end: $(date -Is) $(uptime)" >> "$RAW/machine.txt"

# One table for all runs, and the charts.
header=""
for scenario in $SCENARIOS; do
  for config in $CONFIGS; do
    f="$RAW/$scenario-$config/steps.csv"
    [ -f "$f" ] || continue
    [ -n "$header" ] || { header=1; head -1 "$f"; }
    tail -n +2 "$f"
  done
done > "$OUT/overload.csv"
[ -s "$OUT/overload.csv" ] || { echo "No run produced results; see the Gatling logs in $RAW" >&2; exit 1; }
for scenario in $SCENARIOS; do
  gnuplot -e "data='$OUT/overload.csv'; scenario='$scenario'; path='${PATHS[$scenario]}'; capacity='${CAPACITY[$scenario]}'; configs='$CONFIGS'; out='$OUT/overload-$scenario.png'" bench/overload.gp
done

echo
echo "Open-loop overload: one row per step (recovery_s: seconds until every later second is healthy; -1: never)"
awk -F, 'BEGIN { OFS = "," } { print $1, $2, $3, $4, $5, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 }' "$OUT/overload.csv" > "$RAW/table.tmp"
table "$RAW/table.tmp"; rm -f "$RAW/table.tmp"
awk -F, 'NR > 1 && $16 + 0 > 100 { n++ } END { if (n) printf "\nWARNING: in %d steps the generator sent requests more than 100 ms late (generator_lag_p99_ms):\n" \
  "the machine could not keep the arrival rate, so those steps were not truly open-loop. Rerun on a quieter machine.\n", n }' "$OUT/overload.csv"
echo
echo "Table in $OUT/overload.csv, charts in $OUT/overload-*.png, raw data in $RAW, Gatling reports in bench/gatling/target/gatling/"
