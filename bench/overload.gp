# Charts for bench/overload.sh, one image per scenario: goodput, admitted p99 and rejection p99 against offered load,
# one line per configuration. gnuplot -e "data='docs/benchmarks/overload.csv'; scenario='work'; path='/work?ms=50';
#   capacity='200'; configs='plain default'; out='docs/benchmarks/overload-work.png'" bench/overload.gp
# Columns of the data: scenario,config,step,factor,offered_rps,sent,goodput_rps,goodput_pct_of_c,admitted_p50_ms,
# admitted_p99_ms,rejected,rejected_p99_ms,no_answer,rejections,recovery_s
set datafile separator ","
set terminal pngcairo size 1500,440 noenhanced font "sans,10"
set output out
set multiplot layout 1,3 title sprintf("Open-loop load on %s (C = %s req/s): one line per configuration", path, capacity)
set logscale x 2
set xrange [0.4:5]
set xtics ("0.5" 0.5, "1" 1, "2" 2, "4" 4)
set xlabel "offered load (x C)"
set grid
set key top left
rows(cfg) = sprintf("< awk -F, '$1 == \"%s\" && $2 == \"%s\" && $3 != \"recovery\"' %s", scenario, cfg, data)

set title "Goodput (200s per second, % of C)"
set ylabel "% of C"
set yrange [0:*]
plot for [i = 1:words(configs)] rows(word(configs, i)) using 4:8 with linespoints lw 2 pt 7 lc i title word(configs, i), \
     90 with lines dt 2 lc rgb "gray40" title "goal: 90 %"

set title "Admitted (200) p99 latency, ms, log scale"
set ylabel "ms"
set logscale y
set yrange [*:*]
plot for [i = 1:words(configs)] rows(word(configs, i)) using 4:($10 > 0 ? $10 : 1/0) with linespoints lw 2 pt 7 lc i \
     title word(configs, i)

set title "Rejection (503/429) p99 latency, ms, log scale"
plot for [i = 1:words(configs)] rows(word(configs, i)) using 4:($12 > 0 ? $12 : 1/0) with linespoints lw 2 pt 7 lc i \
     title word(configs, i), \
     50 with lines dt 2 lc rgb "gray40" title "goal: 50 ms"
unset multiplot
