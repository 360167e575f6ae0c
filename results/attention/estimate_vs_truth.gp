# Redraw with: gnuplot estimate_vs_truth.gp (in this folder); the data are in estimate_vs_truth.dat.
set terminal pngcairo size 1200,650 noenhanced
if (!exists("out")) out = 'estimate_vs_truth.png'
set output out
set title 'OPE estimates (95% CI) against the simulator truth, per strategy'
set ylabel 'expected reward of one slate'
set key outside right
set grid ytics
set xtics ('content' 0.4, 'profile' 1.4, 'reinforce' 2.4, 'ppo' 3.4)
set xrange [-0.3:4]
plot 'estimate_vs_truth.dat' index 0 using ($1+0.4):2:3:4 with yerrorbars lw 3 lc rgb 'black' pt 7 title 'truth (simulation)', '' index 1 using 1:2:3:4 with yerrorbars title 'dm', '' index 2 using 1:2:3:4 with yerrorbars title 'ipw', '' index 3 using 1:2:3:4 with yerrorbars title 'snipw', '' index 4 using 1:2:3:4 with yerrorbars title 'dr', '' index 5 using 1:2 with points pt 2 ps 2.5 lc rgb 'red' title 'unreliable (no valid interval)'
