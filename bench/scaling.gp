# scaling.gp - collection time against the number of cgroups (make bench).
# gnuplot -e "outdir='DIR'" bench/scaling.gp reads DIR/scaling.dat.
set terminal pngcairo size 900,560 noenhanced
set output outdir.'/scaling.png'
set title 'Collecting every cgroup: one memqos dump vs reading memory.stat/events/pressure'
set xlabel 'cgroups'
set ylabel 'seconds (TCG guest)'
set logscale xy
set key top left
set grid
plot outdir.'/scaling.dat' using 1:2 with linespoints lw 2 title 'memqos dump, wall', \
     '' using 1:3 with linespoints dt 2 title 'memqos dump, CPU', \
     '' using 1:4 with linespoints lw 2 title 'cgroupfs reader, wall', \
     '' using 1:5 with linespoints dt 2 title 'cgroupfs reader, CPU'
