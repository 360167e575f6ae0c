# Redraw with: gnuplot rmse_vs_rounds.gp (in this folder); the data are in rmse_vs_rounds.dat.
set terminal pngcairo size 1000,650 noenhanced
if (!exists("out")) out = 'rmse_vs_rounds.png'
set output out
set title 'Estimator RMSE / truth against logged rounds (mean over strategies)'
set logscale xy
set xlabel 'logged rounds'
set ylabel 'RMSE / truth'
set grid
set key outside right
plot 'rmse_vs_rounds.dat' index 0 using 1:2 with linespoints lw 2 title 'ipw', 'rmse_vs_rounds.dat' index 1 using 1:2 with linespoints lw 2 title 'dr', 'rmse_vs_rounds.dat' index 2 using 1:2 with linespoints lw 2 title 'sips', 'rmse_vs_rounds.dat' index 3 using 1:2 with linespoints lw 2 title 'rips', 'rmse_vs_rounds.dat' index 4 using 1:2 with linespoints lw 2 title 'pi', 'rmse_vs_rounds.dat' index 5 using 1:2 with linespoints lw 2 title 'mips', 'rmse_vs_rounds.dat' index 6 using 1:2 with linespoints lw 2 title 'model', 'rmse_vs_rounds.dat' index 7 using 1:2 with linespoints lw 2 title 'slate-dr'
