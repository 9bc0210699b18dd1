#!/usr/bin/env bash
# Side-by-side load benchmark of the sample app with Fluxgate on and off (the same jar, fluxgate.enabled=true|false).
# Loopback only; every load is bounded in time; every process is stopped by its PID.
#
#   bench/run.sh                 # full run (about 10 minutes)
#   BENCH_SECONDS=5 bench/run.sh # quick smoke run
#
# Writes docs/benchmarks/raw/*.txt (wrk output), docs/benchmarks/results.csv, docs/benchmarks/*.png and prints a
# table of on/off ratios.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${BENCH_SECONDS:-15}
OUT=docs/benchmarks
RAW=$OUT/raw
JAR=sample-app/target/fluxgate-sample-app-0.1.0-SNAPSHOT.jar
PORT=${BENCH_PORT:-18180}
APP_PID=""
BG_PIDS=()

cleanup() {
  for pid in "${BG_PIDS[@]:-}"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
}
trap cleanup EXIT

need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "Installing $2 from Debian's packages"
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; else sudo apt-get install -y -qq "$2" >/dev/null; fi
}
need wrk wrk
need gnuplot gnuplot-nox

if [ ! -f "$JAR" ] || [ -n "${BENCH_REBUILD:-}" ]; then
  ./mvnw -B -q -pl sample-app -am package -DskipTests
fi
mkdir -p "$RAW"
: > "$OUT/results.csv.tmp"

# wrk prints latencies as 812.00us, 8.50ms, 1.20s, 1.00m: convert to milliseconds.
to_ms() {
  [ -z "$1" ] && { echo "none"; return; }   # wrk prints no latency when no request completed
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; gsub(/[0-9.]/, "", u);
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000; printf "%.2f", n }'
}
rps()     { awk '/Requests\/sec/ { r = $2 } END { print (r == "" ? "none" : r) }' "$1"; }
p99()     { to_ms "$(awk '$1 == "99%" { print $2 }' "$1")"; }
p50()     { to_ms "$(awk '$1 == "50%" { print $2 }' "$1")"; }
non2xx()  { awk '/Non-2xx/ { print $5 } END { }' "$1" | tail -1; }
total()   { awk '/requests in/ { print $1 }' "$1"; }
record()  { echo "$1,$2,$3,$4" >> "$OUT/results.csv.tmp"; }   # scenario,metric,mode,value

load() {  # name connections seconds path -> raw file
  local file="$RAW/$MODE-$1.txt"
  wrk -t2 -c"$2" -d"$3"s --timeout 40s --latency "http://127.0.0.1:$PORT$4" > "$file" 2>&1 || true
  echo "$file"
}

start_app() {  # enabled [extra arguments...]
  local log="$RAW/$MODE-app.log"
  local begin; begin=$(date +%s%N)
  local enabled=$1; shift
  java -Xmx512m -jar "$JAR" --server.port="$PORT" --fluxgate.enabled="$enabled" "$@" --logging.level.root=WARN \
    --logging.level.dev.fluxgate=INFO --logging.level.org.springframework.boot.StartupInfoLogger=INFO \
    > "$log" 2>&1 &
  APP_PID=$!
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$PORT/hello" >/dev/null 2>&1 && break
    kill -0 "$APP_PID" 2>/dev/null || { echo "app died, see $log"; exit 1; }
    sleep 0.25
  done
  local ready_ms=$(( ($(date +%s%N) - begin) / 1000000 ))
  local started; started=$(grep -o 'Started SampleApplication in [0-9.]* seconds' "$log" | awk '{print $4}')
  record startup seconds "$MODE" "${started:-nan}"
  record startup ready_ms "$MODE" "$ready_ms"
}

stop_app() {
  local rss_kb; rss_kb=$(awk '/VmRSS/ { print $2 }' "/proc/$APP_PID/status" 2>/dev/null || echo 0)
  record memory rss_mb "$MODE" "$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')"
  kill "$APP_PID" 2>/dev/null || true
  wait "$APP_PID" 2>/dev/null || true
  APP_PID=""
}

with_background() {  # name connections path seconds -> runs a background load while the caller measures
  wrk -t1 -c"$2" -d"$4"s --timeout 40s --latency "http://127.0.0.1:$PORT$3" > "$RAW/$MODE-$1.txt" 2>&1 &
  BG_PIDS+=($!)
  sleep 2
}

wait_background() {
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  BG_PIDS=()
}

run_mode() {
  MODE=$1
  echo "== Fluxgate $MODE"
  start_app "$([ "$MODE" = on ] && echo true || echo false)"
  load warmup 16 5 /hello >/dev/null

  f=$(load idle-hello 16 "$SECONDS_PER_RUN" /hello)
  record idle hello_p99_ms "$MODE" "$(p99 "$f")"

  f=$(load overhead 64 "$SECONDS_PER_RUN" /hello)
  record overhead rps "$MODE" "$(rps "$f")"
  record overhead p99_ms "$MODE" "$(p99 "$f")"

  # Hung dependency: the stub answers after 20 s; with Fluxgate every call ends at the 10 s response timeout.
  with_background hung-dependency 16 "/dependency?delayMs=20000" 25
  f=$(load hung-hello 8 "$SECONDS_PER_RUN" /hello)
  wait_background
  record hung dependency_p50_ms "$MODE" "$(p50 "$RAW/$MODE-hung-dependency.txt")"
  record hung hello_p99_ms "$MODE" "$(p99 "$f")"

  with_background blocking 32 "/legacy/blocking?ms=50" $((SECONDS_PER_RUN + 4))
  f=$(load blocking-hello 16 "$SECONDS_PER_RUN" /hello)
  wait_background
  record blocking hello_p99_ms "$MODE" "$(p99 "$f")"
  record blocking hello_rps "$MODE" "$(rps "$f")"
  record blocking handler_rps "$MODE" "$(rps "$RAW/$MODE-blocking.txt")"

  with_background cpu 32 "/cpu?ms=20" $((SECONDS_PER_RUN + 4))
  f=$(load cpu-hello 16 "$SECONDS_PER_RUN" /hello)
  wait_background
  record cpu hello_p99_ms "$MODE" "$(p99 "$f")"
  record cpu hello_rps "$MODE" "$(rps "$f")"

  overload_scenario
  stop_app
}

# Overload: /work holds a pooled connection for 50 ms; capacity is max-size (10) / 50 ms = 200 req/s. Offered load is
# 40 closed-loop clients, 4x the pool.
overload_scenario() {
  f=$(load capacity 10 "$SECONDS_PER_RUN" "/work?ms=50")
  record overload capacity_rps "$MODE" "$(rps "$f")"
  record overload unloaded_p99_ms "$MODE" "$(p99 "$f")"
  f=$(load overload 40 "$SECONDS_PER_RUN" "/work?ms=50")
  local n; n=$(total "$f"); local bad; bad=$(non2xx "$f"); bad=${bad:-0}
  record overload goodput_rps "$MODE" "$(awk -v n="$n" -v b="$bad" -v s="$SECONDS_PER_RUN" 'BEGIN { printf "%.1f", (n - b) / s }')"
  record overload p99_ms "$MODE" "$(p99 "$f")"
  record overload rejected "$MODE" "$bad"
}

# Fluxgate with adaptive load shedding, on the overload scenario only (the default mode is fixed, limit 1000).
run_adaptive() {
  MODE=adaptive
  echo "== Fluxgate on, fluxgate.server.concurrency.mode=adaptive"
  start_app true --fluxgate.server.concurrency.mode=adaptive
  load warmup 16 5 /hello >/dev/null
  overload_scenario
  stop_app
}

run_mode on
run_mode off
run_adaptive

# results.csv: one row per scenario and metric: Fluxgate on, off, their ratio, and on with adaptive shedding (overload
# scenario only).
{
  echo "scenario,metric,on,off,on_over_off,adaptive"
  awk -F, '{ key = $1 "," $2; v[key, $3] = $4; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
    END { for (i = 1; i <= n; i++) { k = order[i]; on = v[k, "on"]; off = v[k, "off"];
      r = (off + 0 != 0 && on != "none") ? sprintf("%.3f", on / off) : "n/a";
      a = ((k, "adaptive") in v) ? v[k, "adaptive"] : "";
      print k "," on "," off "," r "," a } }' "$OUT/results.csv.tmp"
} > "$OUT/results.csv"
rm -f "$OUT/results.csv.tmp"

printf '\n%-10s %-22s %12s %12s %10s %12s\n' scenario metric on off on/off adaptive
tail -n +2 "$OUT/results.csv" | awk -F, '{ printf "%-10s %-22s %12s %12s %10s %12s\n", $1, $2, $3, $4, $5, $6 }'

gnuplot -e "results='$OUT/results.csv'; outdir='$OUT'" bench/charts.gp
echo
echo "Raw results in $RAW, table in $OUT/results.csv, charts in $OUT/*.png"
