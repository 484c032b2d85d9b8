# bars.gp - baseline versus new: for each metric the baseline is 100 and
# the new run's bar is its relative value, with the bootstrap confidence
# interval as an error bar.  Rows of `data`: label base new new_lo new_hi.
# ycap: top of the y axis; values above it are printed on their bar.
load gpdir."/common.gp"
set ylabel "new relative to baseline (%)"
set style data histogram
set style histogram errorbars gap 2 lw 1.5
set style fill solid 0.6 border -1
set boxwidth 0.9
set xtics rotate by -30 nomirror
set yrange [0:ycap]
set key outside right top
set terminal svg size 900,520 font "sans,12" background rgb "white"
set output out.".svg"
plot data using 2:(0):xtic(1) lt 1 title "baseline", \
     "" using 3:4:5 lt 2 title "new (95% interval)", \
     100 + thr with lines lt 8 dt 2 title sprintf("threshold +%.0f%%", thr), \
     "" using ($0 + 0.15):($3 > ycap ? 0.92 * ycap : $3):(sprintf("%.0f%%", $3)) \
         with labels offset 0,0.7 font ",9" notitle
set terminal pngcairo size 900,520 font "sans,10" background rgb "white"
set output out.".png"
replot
