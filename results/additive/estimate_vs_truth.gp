# Redraw with: gnuplot estimate_vs_truth.gp (in this folder); the data are in estimate_vs_truth.dat.
set terminal pngcairo size 1200,650 noenhanced
if (!exists("out")) out = 'estimate_vs_truth.png'
set output out
set title 'OPE estimates (95% CI) against the simulator truth, per strategy'
set ylabel 'expected reward of one slate'
set key outside right
set grid ytics
set xtics ('uniform' 0.4, 'popularity' 1.4, 'content' 2.4, 'itemcf' 3.4, 'profile' 4.4, 'reinforce' 5.4, 'ppo' 6.4, 'offpolicy-reinforce' 7.4, 'linucb' 8.4)
set xrange [-0.3:9]
plot 'estimate_vs_truth.dat' index 0 using ($1+0.4):2:3:4 with yerrorbars lw 3 lc rgb 'black' pt 7 title 'truth (simulation)', '' index 1 using 1:2:3:4 with yerrorbars title 'dm', '' index 2 using 1:2:3:4 with yerrorbars title 'ipw', '' index 3 using 1:2:3:4 with yerrorbars title 'snipw', '' index 4 using 1:2:3:4 with yerrorbars title 'dr', '' index 5 using 1:2:3:4 with yerrorbars title 'sndr', '' index 6 using 1:2:3:4 with yerrorbars title 'switch-dr:100', '' index 7 using 1:2:3:4 with yerrorbars title 'dros:100', '' index 8 using 1:2:3:4 with yerrorbars title 'sips', '' index 9 using 1:2:3:4 with yerrorbars title 'snsips', '' index 10 using 1:2:3:4 with yerrorbars title 'rips', '' index 11 using 1:2:3:4 with yerrorbars title 'snrips', '' index 12 using 1:2:3:4 with yerrorbars title 'pi', '' index 13 using 1:2:3:4 with yerrorbars title 'mips', '' index 14 using 1:2:3:4 with yerrorbars title 'model', '' index 15 using 1:2:3:4 with yerrorbars title 'slate-dr', '' index 16 using 1:2 with points pt 2 ps 2.5 lc rgb 'red' title 'unreliable (no valid interval)'
