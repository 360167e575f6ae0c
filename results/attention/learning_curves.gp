# Redraw with: gnuplot learning_curves.gp (in this folder); the data are in learning_curves.dat.
set terminal pngcairo size 840,380 noenhanced
if (!exists("out")) out = 'learning_curves.png'
set output out
set multiplot layout 1,2 title 'Learning curves (on-policy, bandits: mean session reward of the episodes of each update; off-policy: clipped IPS objective of each batch)'
set grid
set xlabel 'update'
unset key
set title 'reinforce'
plot 'learning_curves.dat' index 0 using 1:2 with lines lw 2
set title 'ppo'
plot 'learning_curves.dat' index 1 using 1:2 with lines lw 2
unset multiplot
