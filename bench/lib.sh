# Helpers shared by bench/overhead.sh and bench/overload.sh (sourced, not run). Loopback only; every process a script
# starts is registered with track_pid and stopped by its PID when the script exits, however it exits.

BENCH_PIDS=()

track_pid() { BENCH_PIDS+=("$1"); }

# Forgets a PID once its process is gone, so a later stop_all can never hit a recycled PID.
untrack_pid() {
  local keep=() pid
  for pid in "${BENCH_PIDS[@]:-}"; do [ -n "$pid" ] && [ "$pid" != "$1" ] && keep+=("$pid"); done
  BENCH_PIDS=("${keep[@]:-}")
}

wait_pid() { wait "$1" 2>/dev/null || true; untrack_pid "$1"; }

stop_pid() {  # pid: TERM, then KILL after 20 s
  local pid=$1
  [ -n "$pid" ] || return 0
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 80); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait_pid "$pid"
}

stop_all() {
  local pid
  for pid in "${BENCH_PIDS[@]:-}"; do [ -n "$pid" ] && stop_pid "$pid"; done
  BENCH_PIDS=()
}
trap stop_all EXIT
trap 'exit 130' INT TERM

need() {  # command debian-package
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "Installing $2 from Debian's packages"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "$2" >/dev/null
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_port() {
  port_free "$1" || { echo "Port $1 is in use; set ${2:-the port variable} to a free one" >&2; exit 1; }
}

# Waits until GET url answers 2xx or the process dies; 180 s at most (a busy machine starts Boot slowly).
wait_http() {  # pid url log
  local i
  for i in $(seq 1 720); do
    curl -sf -o /dev/null "$2" 2>/dev/null && return 0
    kill -0 "$1" 2>/dev/null || { echo "The app exited; see $3" >&2; tail -20 "$3" >&2; exit 1; }
    sleep 0.25
  done
  echo "No answer from $2 after 180 s; see $3" >&2
  exit 1
}

# Boot's "Started X in N seconds" line: N, or empty while not logged yet.
started_seconds() { grep -o 'Started [A-Za-z]* in [0-9.]* seconds' "$1" 2>/dev/null | head -1 | awk '{print $4}'; }

wait_started() {  # pid log
  local i
  for i in $(seq 1 720); do
    [ -n "$(started_seconds "$2")" ] && return 0
    kill -0 "$1" 2>/dev/null || { echo "The app exited; see $2" >&2; tail -20 "$2" >&2; exit 1; }
    sleep 0.25
  done
  echo "No 'Started' line after 180 s; see $2" >&2
  exit 1
}

# CPU time the process has used, in clock ticks (utime + stime, /proc/<pid>/stat fields 14 and 15).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
CLK_TCK=$(getconf CLK_TCK)

rss_mb() { awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# wrk output: latencies as 812.00us, 8.50ms, 1.20s, 1.00m -> milliseconds.
to_ms() {
  [ -z "$1" ] && { echo ""; return; }
  awk -v v="$1" 'BEGIN { n = v + 0; u = v; gsub(/[0-9.]/, "", u);
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000; printf "%.3f", n }'
}
wrk_rps()      { awk '/Requests\/sec/ { print $2 }' "$1"; }
wrk_p99()      { [ "$(wrk_requests "$1")" = 0 ] && { echo ""; return; }; to_ms "$(awk '$1 == "99%" { print $2 }' "$1")"; }
wrk_requests() { awk '/requests in/ { n = $1 } END { print n + 0 }' "$1"; }
wrk_non2xx()   { awk '/Non-2xx/ { n = $5 } END { print n + 0 }' "$1"; }
wrk_errors()   { awk '/Socket errors/ { gsub(/,/, ""); n = $4 + $6 + $8 + $10 } END { print n + 0 }' "$1"; }

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2];
  else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# First and third quartile of numbers on stdin, as "q1-q3".
quartiles() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else printf "%s-%s", v[int((NR + 3) / 4)],
  v[int((3 * NR + 3) / 4)] }'; }

# a / b with 3 decimals, empty when either is missing or b is 0.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print ""; else printf "%.3f", a / b }'; }

# Prints a CSV file as an aligned table.
table() { awk -F, '{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) }
  if (NF > n) n = NF } END { for (r = 1; r <= NR; r++) { line = "";
  for (i = 1; i <= n; i++) line = line sprintf("%-" (w[i] + 2) "s", c[r, i]); sub(/ +$/, "", line); print line } }' "$1"; }
