# Charts for bench/run.sh: gnuplot -e "results='docs/benchmarks/results.csv'; outdir='docs/benchmarks'" bench/charts.gp
set datafile separator ","
set terminal pngcairo size 900,480 noenhanced font "sans,10"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left
set grid ytics
set xtics rotate by -20

set output outdir."/hello-p99.png"
set title "/hello p99 latency (ms, log scale) while another load runs: Fluxgate on vs off"
set logscale y
plot "< awk -F, '$2 == \"hello_p99_ms\"' ".results using 3:xtic(1) title "Fluxgate on" lc rgb "#2a7ab0", \
     "" using 4 title "Fluxgate off" lc rgb "#c0504d"

set output outdir."/throughput.png"
set title "Throughput (req/s): Fluxgate on vs off"
unset logscale y
plot "< awk -F, '$2 ~ /rps$/' ".results using 3:xtic(sprintf('%s %s', strcol(1), strcol(2))) title "Fluxgate on" lc rgb "#2a7ab0", \
     "" using 4 title "Fluxgate off" lc rgb "#c0504d"

set output outdir."/hung-dependency.png"
set title "Hung dependency: median call duration (ms)"
plot "< awk -F, '$2 == \"dependency_p50_ms\"' ".results using 3:xtic(1) title "Fluxgate on" lc rgb "#2a7ab0", \
     "" using 4 title "Fluxgate off" lc rgb "#c0504d"
