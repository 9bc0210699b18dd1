#!/usr/bin/env bash
# Fluxgate's per-request overhead, side by side (issue 11): the same trivial WebFlux app (bench/app) started twice,
# once without the starter on its classpath ("plain") and once with it ("fluxgate"), both up at once with the same
# JVM flags and CPU set. bench/README.md explains the method: why single runs mislead on a machine whose speed
# drifts, and how interleaved short slices and medians of per-round ratios cancel most of the drift.
#
#   bench/overhead.sh                   # full run, about 20 minutes on a quiet machine
#   BENCH_QUICK=1 bench/overhead.sh     # smoke run, about 3 minutes: proves it works, numbers are rough
#
# Knobs (environment): BENCH_ROUNDS (12), BENCH_SLICE seconds (10; 2 in a quick run), BENCH_WARMUP seconds (at least
# 90; more until CPU per request settles, at most BENCH_WARMUP_MAX, 300), BENCH_STARTS (5),
# BENCH_BLOCKING_ROUNDS (5), BENCH_BLOCKING_SECONDS (5), BENCH_CPUS (taskset list, all CPUs), BENCH_JVM_OPTS,
# BENCH_PORT_PLAIN (18181), BENCH_PORT_FLUXGATE (18182), BENCH_SKIP_BUILD=1 (reuse bench/app/target),
# BENCH_FLUXGATE_ARGS (extra arguments of the Fluxgate app only, e.g. "--fluxgate.server.request-timeout=0": one
# guard's share of the cost, measured the same way).
#
# Writes docs/benchmarks/overhead.csv (the summary table, also printed) and docs/benchmarks/raw/overhead/: every
# wrk output (wrk.txt), one row per slice (slices.csv), startups, the blocking scenario, app logs, machine load.
# Loopback only; every load is bounded in time; every process is stopped by its PID.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

if [ -n "${BENCH_QUICK:-}" ]; then
  ROUNDS=${BENCH_ROUNDS:-3}; WARMUP=${BENCH_WARMUP:-20}; WARMUP_MAX=${BENCH_WARMUP_MAX:-40}; STARTS=${BENCH_STARTS:-2}
  SLICE=${BENCH_SLICE:-2}
  BLOCKING_ROUNDS=${BENCH_BLOCKING_ROUNDS:-1}; BLOCKING_SECONDS=${BENCH_BLOCKING_SECONDS:-3}
else
  ROUNDS=${BENCH_ROUNDS:-12}; WARMUP=${BENCH_WARMUP:-90}; WARMUP_MAX=${BENCH_WARMUP_MAX:-300}; STARTS=${BENCH_STARTS:-5}
  # 10 s slices: with 2 s ones the ratio read 1.27-1.28x where 10 s gave 1.20x (docs/benchmarks.md, overhead).
  SLICE=${BENCH_SLICE:-10}
  BLOCKING_ROUNDS=${BENCH_BLOCKING_ROUNDS:-5}; BLOCKING_SECONDS=${BENCH_BLOCKING_SECONDS:-5}
fi
CPUS=${BENCH_CPUS:-0-$(( $(nproc) - 1 ))}
JVM_OPTS=${BENCH_JVM_OPTS:--Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:+UseG1GC}
declare -A PORT=([plain]=${BENCH_PORT_PLAIN:-18181} [fluxgate]=${BENCH_PORT_FLUXGATE:-18182})
declare -A PID=()
declare -A EXTRA_ARGS=([plain]="" [fluxgate]="${BENCH_FLUXGATE_ARGS:-}")
OUT=docs/benchmarks
RAW=$OUT/raw/overhead

if [ -z "${BENCH_SUMMARY_ONLY:-}" ]; then  # BENCH_SUMMARY_ONLY=1: only summarise raw/overhead/ again
need wrk wrk
need taskset util-linux
require_free_port "${PORT[plain]}" BENCH_PORT_PLAIN
require_free_port "${PORT[fluxgate]}" BENCH_PORT_FLUXGATE

if [ -z "${BENCH_SKIP_BUILD:-}" ] || [ ! -f bench/app/target/classpath-fluxgate.txt ]; then
  echo "Building bench/app and the starter from this tree"
  ./mvnw -B -q -Pbench -pl bench/app -am package -DskipTests
fi
declare -A CLASSPATH=(
  [plain]="bench/app/target/classes:$(cat bench/app/target/classpath-plain.txt)"
  [fluxgate]="bench/app/target/classes:$(cat bench/app/target/classpath-plain.txt):$(cat bench/app/target/classpath-fluxgate.txt)"
)
rm -rf "$RAW"; mkdir -p "$RAW"
{ echo "start: $(date -Is) $(uptime)"; echo "cpus: $CPUS of $(nproc); jvm: $(java -version 2>&1 | head -1); flags: $JVM_OPTS"
  echo "fluxgate app arguments: ${EXTRA_ARGS[fluxgate]:-(defaults)}"; } > "$RAW/machine.txt"

start_app() {  # app
  local app=$1 log="$RAW/$1-app.log"
  taskset -c "$CPUS" java $JVM_OPTS -cp "${CLASSPATH[$app]}" dev.fluxgate.bench.app.BenchApplication \
    --server.port="${PORT[$app]}" ${EXTRA_ARGS[$app]} > "$log" 2>&1 &
  PID[$app]=$!
  track_pid "${PID[$app]}"
  wait_started "${PID[$app]}" "$log"
  wait_http "${PID[$app]}" "http://127.0.0.1:${PORT[$app]}/mono" "$log"
}

stop_app() { stop_pid "${PID[$1]}"; PID[$1]=""; }

other() { [ "$1" = plain ] && echo fluxgate || echo plain; }

# 1. Startup: alternate which app starts first, so a drift in machine speed hits both alike.
echo "== Startup, $STARTS times each"
echo "round,app,started_s" > "$RAW/startup.csv"
for i in $(seq 1 "$STARTS"); do
  first=$([ $((i % 2)) = 1 ] && echo plain || echo fluxgate)
  for app in "$first" "$(other "$first")"; do
    start_app "$app"
    echo "$i,$app,$(started_seconds "$RAW/$app-app.log")" >> "$RAW/startup.csv"
    stop_app "$app"
  done
done

# 2. Both apps up at once for everything else.
start_app plain
start_app fluxgate

wrk_slice() {  # app path connections seconds file -> runs wrk against app, records CPU ticks used meanwhile
  local before after
  before=$(cpu_ticks "${PID[$1]}")
  wrk -t2 -c"$3" -d"$4"s --timeout 10s --latency "http://127.0.0.1:${PORT[$1]}$2" > "$5" 2>&1 || true
  after=$(cpu_ticks "${PID[$1]}")
  echo $((after - before))
}

# JIT warm-up: at least WARMUP seconds, then on until both apps' CPU per request has settled (two passes in a row
# within 10 %), at most WARMUP_MAX seconds. A starved JIT takes minutes, and longer for the app with more code.
echo "== JIT warm-up: at least $WARMUP s, until CPU per request settles, at most $WARMUP_MAX s"
echo "pass,elapsed_s,path,app,requests,cpu_us_per_request" > "$RAW/warmup.csv"
start=$SECONDS; pass=0
declare -A last=()
while :; do
  pass=$((pass + 1)); settled=1
  for path in /mono /hello /hello-elastic; do
    for app in plain fluxgate; do
      ticks=$(wrk_slice "$app" "$path" 64 5 "$RAW/warmup.tmp")
      n=$(wrk_requests "$RAW/warmup.tmp")
      cpu=$(awk -v t="$ticks" -v n="$n" -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", (n > 0) ? t * 1e6 / hz / n : 0 }')
      echo "$pass,$((SECONDS - start)),$path,$app,$n,$cpu" >> "$RAW/warmup.csv"
      awk -v a="$cpu" -v b="${last[$app$path]:-0}" 'BEGIN { exit !(b > 0 && a < 1.1 * b && a > 0.9 * b) }' || settled=0
      last[$app$path]=$cpu
    done
  done
  elapsed=$((SECONDS - start))
  [ "$elapsed" -ge "$WARMUP" ] && [ "$settled" = 1 ] && break
  [ "$elapsed" -ge "$WARMUP_MAX" ] && { echo "   not settled after $elapsed s: the figures below include warm-up"; break; }
done
echo "   warmed up in $elapsed s ($pass passes)"
echo "warm-up: $elapsed s, $pass passes, settled=$settled" >> "$RAW/machine.txt"
rm -f "$RAW/warmup.tmp"

# What each app burns with no request at all (event-loop probes, samplers, meters): CPU per request includes it.
idle_before_plain=$(cpu_ticks "${PID[plain]}"); idle_before_fluxgate=$(cpu_ticks "${PID[fluxgate]}")
sleep 10
idle_plain=$(awk -v t="$(( $(cpu_ticks "${PID[plain]}") - idle_before_plain ))" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t * 1000 / hz / 10 }')
idle_fluxgate=$(awk -v t="$(( $(cpu_ticks "${PID[fluxgate]}") - idle_before_fluxgate ))" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", t * 1000 / hz / 10 }')

# 3. Interleaved rounds: in each round every (endpoint, app) gets one slice; the app order alternates per round.
echo "== $ROUNDS rounds of ${SLICE} s slices, wrk -t2 -c64"
echo "round,path,app,requests,non2xx,errors,rps,p99_ms,cpu_ticks,cpu_us_per_request" > "$RAW/slices.csv"
: > "$RAW/wrk.txt"
for round in $(seq 1 "$ROUNDS"); do
  first=$([ $((round % 2)) = 1 ] && echo plain || echo fluxgate)
  for path in /mono /hello /hello-elastic; do
    for app in "$first" "$(other "$first")"; do
      f="$RAW/slice.tmp"
      ticks=$(wrk_slice "$app" "$path" 64 "$SLICE" "$f")
      n=$(wrk_requests "$f")
      echo "$round,$path,$app,$n,$(wrk_non2xx "$f"),$(wrk_errors "$f"),$(wrk_rps "$f"),$(wrk_p99 "$f"),$ticks,$(
        awk -v t="$ticks" -v n="$n" -v hz="$CLK_TCK" 'BEGIN { if (n > 0) printf "%.2f", t * 1e6 / hz / n }')" \
        >> "$RAW/slices.csv"
      { echo "### round $round $app $path"; cat "$f"; } >> "$RAW/wrk.txt"
    done
  done
  printf '.'
done
rm -f "$RAW/slice.tmp"
echo

# 4. /hello (imperative) p99 while 32 clients hammer the 50 ms blocking handler, against its idle p99, per app.
echo "== Blocking handler: $BLOCKING_ROUNDS rounds of ${BLOCKING_SECONDS} s per app"
echo "round,app,idle_p99_ms,loaded_p99_ms,loaded_hello_requests,loaded_hello_rps,blocking_rps" > "$RAW/blocking.csv"
for round in $(seq 1 "$BLOCKING_ROUNDS"); do
  first=$([ $((round % 2)) = 1 ] && echo plain || echo fluxgate)
  for app in "$first" "$(other "$first")"; do
    port=${PORT[$app]}
    wrk -t1 -c16 -d"${BLOCKING_SECONDS}"s --timeout 30s --latency "http://127.0.0.1:$port/hello" > "$RAW/idle.tmp" 2>&1 || true
    wrk -t1 -c32 -d"$((BLOCKING_SECONDS + 4))"s --timeout 30s --latency "http://127.0.0.1:$port/blocking?ms=50" \
      > "$RAW/hammer.tmp" 2>&1 &
    hammer=$!; track_pid "$hammer"
    sleep 2
    wrk -t1 -c16 -d"${BLOCKING_SECONDS}"s --timeout 30s --latency "http://127.0.0.1:$port/hello" > "$RAW/loaded.tmp" 2>&1 || true
    wait_pid "$hammer"
    # wrk counts only requests that complete within its run: when none does, the p99 is at least the run's length.
    loaded=$(wrk_p99 "$RAW/loaded.tmp"); [ -n "$loaded" ] || loaded=$((BLOCKING_SECONDS * 1000))
    echo "$round,$app,$(wrk_p99 "$RAW/idle.tmp"),$loaded,$(wrk_requests "$RAW/loaded.tmp"),$(wrk_rps "$RAW/loaded.tmp"),$(wrk_rps "$RAW/hammer.tmp")" \
      >> "$RAW/blocking.csv"
    for part in idle loaded hammer; do
      { echo "### blocking round $round $app $part"; cat "$RAW/$part.tmp"; } >> "$RAW/wrk.txt"
    done
  done
done
rm -f "$RAW"/{idle,loaded,hammer}.tmp

# 5. Memory after the run, and the idle CPU measured after the warm-up.
{ echo "app,rss_mb_after_run,idle_cpu_ms_per_s"; echo "plain,$(rss_mb "${PID[plain]}"),$idle_plain"
  echo "fluxgate,$(rss_mb "${PID[fluxgate]}"),$idle_fluxgate"; } > "$RAW/memory.csv"
echo "end: $(date -Is) $(uptime)" >> "$RAW/machine.txt"
stop_all
fi

# Summary: medians of per-round ratios (fluxgate / plain), and each app's median for orientation.
col() {  # path app column -> values, one per line, in round order
  awk -F, -v p="$1" -v a="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next }
    $2 == p && $3 == a { print $k[c] }' "$RAW/slices.csv"
}
round_ratios() {  # path column [plain's path] -> fluxgate/plain per round
  paste -d' ' <(col "$1" fluxgate "$2") <(col "${3:-$1}" plain "$2") | awk '$2 + 0 != 0 { printf "%.4f\n", $1 / $2 }'
}
bcol() { awk -F, -v a="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) k[$i] = i; next } $2 == a { print $k[c] }' "$RAW/blocking.csv"; }
scol() { awk -F, -v a="$1" '$2 == a { print $3 }' "$RAW/startup.csv"; }
startup_ratios() { awk -F, 'NR > 1 { v[$1, $2] = $3; r[$1] = 1 } END { for (i in r) if (v[i, "plain"] > 0) printf "%.4f\n", v[i, "fluxgate"] / v[i, "plain"] }' "$RAW/startup.csv"; }
mcol() { awk -F, -v a="$1" -v c="$2" '$1 == a { print $c }' "$RAW/memory.csv"; }
bound() { bcol "$1" loaded_hello_requests | grep -qx 0 && printf '>=' || true; }  # some round saw no /hello complete
blocked_ratio() { paste -d' ' <(bcol "$1" loaded_p99_ms) <(bcol "$1" idle_p99_ms) | awk '$2 + 0 != 0 { printf "%.3f\n", $1 / $2 }'; }

{
  echo "metric,plain,fluxgate,fluxgate_over_plain,ratio_q1-q3"
  for path in /mono /hello; do
    for metric in cpu_us_per_request rps p99_ms; do
      echo "$path $metric,$(col "$path" plain "$metric" | median),$(col "$path" fluxgate "$metric" | median),$(round_ratios "$path" "$metric" | median),$(round_ratios "$path" "$metric" | quartiles)"
    done
  done
  # Fluxgate's hop against the hop Reactor's documentation prescribes for blocking code on plain Boot.
  for metric in cpu_us_per_request rps; do
    echo "/hello with Fluxgate vs /hello-elastic on plain: $metric,$(col /hello-elastic plain "$metric" | median),$(col /hello fluxgate "$metric" | median),$(round_ratios /hello "$metric" /hello-elastic | median),$(round_ratios /hello "$metric" /hello-elastic | quartiles)"
  done
  echo "/hello p99 under blocking load / idle p99,$(bound plain)$(blocked_ratio plain | median),$(bound fluxgate)$(blocked_ratio fluxgate | median),"
  echo "/hello idle p99_ms,$(bcol plain idle_p99_ms | median),$(bcol fluxgate idle_p99_ms | median),"
  echo "/hello p99_ms under blocking load,$(bound plain)$(bcol plain loaded_p99_ms | median),$(bound fluxgate)$(bcol fluxgate loaded_p99_ms | median),"
  echo "/blocking rps (32 clients),$(bcol plain blocking_rps | median),$(bcol fluxgate blocking_rps | median),"
  echo "startup s,$(scol plain | median),$(scol fluxgate | median),$(startup_ratios | median),$(startup_ratios | quartiles)"
  echo "RSS MB after the run (heap pre-touched in both),$(mcol plain 2),$(mcol fluxgate 2),$(awk -v a="$(mcol fluxgate 2)" -v b="$(mcol plain 2)" 'BEGIN { printf "%+.1f MB", a - b }')"
  echo "idle CPU ms per s (no requests),$(mcol plain 3),$(mcol fluxgate 3),"
} > "$OUT/overhead.csv"

echo
echo "Fluxgate's overhead: medians over $ROUNDS interleaved rounds (ratio: median of per-round fluxgate/plain;"
echo "q1-q3: the middle half of the per-round ratios, a measure of how much the machine moved)"
table "$OUT/overhead.csv"
echo
echo "Machine load: $(head -1 "$RAW/machine.txt" | sed 's/.*load/load/') at the start, $(tail -1 "$RAW/machine.txt" | sed 's/.*load/load/') at the end"
echo "Raw data in $RAW, summary in $OUT/overhead.csv"
