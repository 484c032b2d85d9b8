# hops.gp - getattr latency against the number of thread hops synthfs adds
# per request, with the least-squares line and, dashed, the line the
# floor's eventfd hop pair predicts from the same intercept.
# Extra variables: fa, fb, fp (space-separated intercept, slope and floor
# pair cost per block, in microseconds).
load gpdir."/common.gp"
set xlabel "hops added per request (synthfs --hops)"
set ylabel "getattr median round trip (us)"
set xrange [-0.5:*]
set yrange [0:*]
a(i) = real(word(fa, i + 1))
b(i) = real(word(fb, i + 1))
p(i) = real(word(fp, i + 1))
c(i) = int(word(lts, i + 1))
set terminal svg size 900,480 font "sans,12" background rgb "white"
set output out.".svg"
plot for [i=0:n-1] data index i using 1:2 with points lt c(i) title columnheader(1), \
     for [i=0:n-1] a(i) + b(i) * x with lines lt c(i) \
         title sprintf("fit: %.2f us per hop", b(i)), \
     for [i=0:n-1] a(i) + p(i) * x with lines lt c(i) dt 2 \
         title sprintf("floor hop pair: %.2f us", p(i))
set terminal pngcairo size 900,480 font "sans,10" background rgb "white"
set output out.".png"
replot
