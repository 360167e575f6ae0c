// Plots drawn by gnuplot without a shell. The data and the script are saved beside the PNG
// (NAME.dat, NAME.gp, all paths relative to the folder), so a user can restyle a plot and
// redraw it with `gnuplot NAME.gp` in that folder. gnuplot runs by posix_spawnp with an
// argument vector in the output folder, writes to a temporary file that is renamed into
// place, and its messages go to NAME.gnuplot.log, kept only when it fails. Without gnuplot
// the data and script are still written and the reason is printed.
#pragma once

#include <string>

namespace bundlerl {

struct Plot {
  std::string name;    // file stem, e.g. "estimate_vs_truth"
  std::string data;    // gnuplot data: whitespace-separated columns, blocks separated by two blank lines
  std::string script;  // gnuplot commands after the terminal and output lines; the data file is NAME.dat
  int width = 1000, height = 650;
};

// Draws `plot` into out_dir/NAME.png; true when the PNG was written.
bool DrawPlot(const std::string& out_dir, const Plot& plot);

// A gnuplot single-quoted string literal of `text` (quotes doubled).
std::string GnuplotQuote(const std::string& text);

}  // namespace bundlerl
