# latency.gp - histograms of event latency, kernel timestamp to receipt
# (make bench). gnuplot -e "outdir='DIR'" bench/latency.gp reads
# DIR/latency.dat: block 0 OOM kill, block 1 pressure, one value (ms) a line.
set terminal pngcairo size 900,560 noenhanced
set output outdir.'/latency.png'
set title 'memqos event latency: kernel timestamp to userspace receipt'
set xlabel 'latency (ms, TCG guest), log2 bins'
set ylabel 'events (log scale)'
set logscale y
set yrange [0.8:*]
set logscale x 2
set style fill transparent solid 0.5 border
set key top right
set grid
bin(x) = 2**floor(log(x > 0.001 ? x : 0.001)/log(2)) * 1.414
plot outdir.'/latency.dat' index 1 using (bin($1)):(1.0) smooth frequency with boxes title 'pressure', \
     '' index 0 using (bin($1)):(1.0) smooth frequency with boxes title 'OOM kill'
