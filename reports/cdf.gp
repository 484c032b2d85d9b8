# cdf.gp - latency CDF of one operation, one line per target: x is the
# round-trip time in microseconds (log scale), y the fraction of requests
# that finished within it.  Blocks of `data`: "us fraction" rows.
load gpdir."/common.gp"
set xlabel "round trip (us, log scale)"
set ylabel "fraction of requests"
set logscale x
set yrange [0:1.02]
set ytics 0.1
set terminal svg size 900,480 font "sans,12" background rgb "white"
set output out.".svg"
plot for [i=0:n-1] data index i using 1:2 with steps lt int(word(lts, i + 1)) title columnheader(1)
set terminal pngcairo size 900,480 font "sans,10" background rgb "white"
set output out.".png"
replot
