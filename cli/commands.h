// The subcommand table of the bundlerl tool. Each command lives in its own cmd_*.cpp.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace bundlerl::cli {

struct Command {
  std::string name, summary;
  // args: the arguments after the command name; command_line: the whole invocation.
  std::function<int(const std::vector<std::string>& args, const std::string& command_line)> run;
};

const std::vector<Command>& Commands();

int RunImport(const std::vector<std::string>& args, const std::string& command_line);
int RunEvaluate(const std::vector<std::string>& args, const std::string& command_line);
int RunSimilarity(const std::vector<std::string>& args, const std::string& command_line);
int RunSimulate(const std::vector<std::string>& args, const std::string& command_line);
int RunCompare(const std::vector<std::string>& args, const std::string& command_line);
int RunTrain(const std::vector<std::string>& args, const std::string& command_line);
int RunOpeBenchmark(const std::vector<std::string>& args, const std::string& command_line);
int RunInfo(const std::vector<std::string>& args, const std::string& command_line);
int RunSplit(const std::vector<std::string>& args, const std::string& command_line);
int RunSynth(const std::vector<std::string>& args, const std::string& command_line);
int RunFitWorld(const std::vector<std::string>& args, const std::string& command_line);

}  // namespace bundlerl::cli
