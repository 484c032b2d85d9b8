# lines.gp - one y value per x, one line per series (readdir time versus
# entries, throughput versus msize, scaling versus connections).
# Extra variables: xlabel_, ylabel_, logx (0 or the log base), logy (0/1).
load gpdir."/common.gp"
set xlabel xlabel_
set ylabel ylabel_
if (logx) set logscale x logx
if (logy) set logscale y
set terminal svg size 900,480 font "sans,12" background rgb "white"
set output out.".svg"
plot for [i=0:n-1] data index i using 1:2 with linespoints lt int(word(lts, i + 1)) title columnheader(1)
set terminal pngcairo size 900,480 font "sans,10" background rgb "white"
set output out.".png"
replot
