# common.gp - shared look of 9pbench charts (loaded by the other scripts).
# Variables set by `9pbench report` with -e: data (data file, one block per
# series, each block headed by its quoted title), n (number of blocks),
# out (output name without extension), title.
set termoption noenhanced
set grid lc rgb "#dddddd"
set key outside right top vertical Left reverse noautotitle
set border lc rgb "#555555"
set linetype 1 lc rgb "#1f77b4" lw 2 pt 7 ps 0.8
set linetype 2 lc rgb "#d62728" lw 2 pt 5 ps 0.8
set linetype 3 lc rgb "#2ca02c" lw 2 pt 9 ps 0.9
set linetype 4 lc rgb "#9467bd" lw 2 pt 11 ps 0.9
set linetype 5 lc rgb "#ff7f0e" lw 2 pt 13 ps 0.9
set linetype 6 lc rgb "#8c564b" lw 2 pt 3 ps 0.9
set linetype 7 lc rgb "#e377c2" lw 2 pt 1 ps 0.9
set linetype 8 lc rgb "#7f7f7f" lw 2 pt 2 ps 0.9
set title title
