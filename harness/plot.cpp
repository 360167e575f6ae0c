// Plots by gnuplot without a shell: see plot.h.
#include "harness/plot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <vector>

#include "common/atomic_file.h"
#include "common/error.h"

extern char** environ;

namespace bundlerl {
namespace fs = std::filesystem;

std::string GnuplotQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

bool DrawPlot(const std::string& out_dir, const Plot& plot) {
  const std::string png = plot.name + ".png", dat = plot.name + ".dat", gp = plot.name + ".gp";
  {
    AtomicFile d(out_dir + "/" + dat);
    d.stream() << plot.data;
    d.Commit();
  }
  {
    AtomicFile g(out_dir + "/" + gp);
    g.stream() << "# Redraw with: gnuplot " << gp << " (in this folder); the data are in " << dat << ".\n"
               << "set terminal pngcairo size " << plot.width << "," << plot.height << " noenhanced\n"
               << "if (!exists(\"out\")) out = " << GnuplotQuote(png) << "\n"
               << "set output out\n"
               << plot.script;
    g.Commit();
  }
  // gnuplot writes a temporary PNG that is renamed into place only when it succeeds.
  const std::string tmp = png + ".tmp." + std::to_string(getpid());
  const std::string log = plot.name + ".gnuplot.log";
  const std::string set_out = "out=" + GnuplotQuote(tmp);
  std::vector<char*> argv = {const_cast<char*>("gnuplot"), const_cast<char*>("-e"), const_cast<char*>(set_out.c_str()),
                             const_cast<char*>(gp.c_str()), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, out_dir.c_str());
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    std::cerr << "plot: cannot run gnuplot (" << std::strerror(spawned)
              << "); wrote " << out_dir << "/" << gp << " and " << dat << " but no " << png
              << " (install gnuplot-nox)\n";
    std::error_code ec;
    fs::remove(out_dir + "/" + log, ec);
    return false;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::error_code ec;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && fs::exists(out_dir + "/" + tmp)) {
    fs::rename(out_dir + "/" + tmp, out_dir + "/" + png, ec);
    if (ec) Fail(out_dir, "/", png, ": cannot move the plot into place (", ec.message(), ")");
    fs::remove(out_dir + "/" + log, ec);
    return true;
  }
  fs::remove(out_dir + "/" + tmp, ec);
  std::cerr << "plot: gnuplot failed on " << out_dir << "/" << gp << " (see " << out_dir << "/" << log << ")\n";
  return false;
}

}  // namespace bundlerl
