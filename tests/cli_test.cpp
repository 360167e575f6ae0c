// Tests for the bundlerl executable: help, import + info, errors and exit codes, configs.
// torch first: its glog CHECK macro must not replace Catch's.
#include "policy/torch_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "replay/log_store.h"
#include "test_util.h"

using namespace bundlerl::testing;
namespace fs = std::filesystem;

TEST_CASE("every subcommand answers --help", "[cli]") {
  for (const char* cmd : {"import", "info", "evaluate", "similarity", "simulate", "compare", "train", "ope-benchmark",
                          "synth", "split"}) {
    INFO(cmd);
    const auto r = RunCli(std::string(cmd) + " --help");
    CHECK(r.status == 0);
    CHECK_THAT(r.output, Catch::Contains("bundlerl " + std::string(cmd)));
    CHECK_THAT(r.output, Catch::Contains("--config"));
  }
  const auto top = RunCli("--help");
  CHECK(top.status == 0);
  CHECK_THAT(top.output, Catch::Contains("import") && Catch::Contains("info"));
  CHECK(RunCli("frobnicate").status == 2);
}

TEST_CASE("import obd then info prints the figures to check against the CSV", "[cli][data]") {
  TempDir tmp;
  const std::string out = tmp / "men.h5";
  auto r = RunCli("import obd --dir " + DataDir() + "/obd/random/men --out " + out);
  REQUIRE(r.status == 0);
  r = RunCli("info " + out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("rounds            10000"));
  CHECK_THAT(r.output, Catch::Contains("items             34"));
  CHECK_THAT(r.output, Catch::Contains("logging policy    uniform"));
  CHECK_THAT(r.output, Catch::Contains("slate size K      3"));
  CHECK_THAT(r.output, Catch::Contains("schema version    3"));
  CHECK_THAT(r.output, Catch::Contains("position  shown  clicks  click rate"));
}

TEST_CASE("bad input exits non-zero with a message naming the place, and writes nothing",
          "[cli]") {
  TempDir tmp;
  const std::string out = tmp / "x.h5";
  auto r = RunCli("import obd --dir " + tmp.path() + "/nope --out " + out);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("nope") && Catch::Contains("not a folder"));
  r = RunCli("import bogus --dir . --out " + out);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("unknown format 'bogus'"));
  r = RunCli("import obd --dir .");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("--out"));
  CHECK_FALSE(fs::exists(out));
  WriteText(tmp / "trunc.h5", "\x89HDF\r\n\x1a\n garbage");
  r = RunCli("info " + tmp / "trunc.h5");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("trunc.h5") && Catch::Contains("truncated"));
}

TEST_CASE("an output may not replace an input; a folder another run writes is refused", "[cli][data]") {
  TempDir tmp;
  fs::copy(DataDir() + "/obd/random/men", tmp / "men");
  const std::string csv = tmp / "men/men.csv";
  const std::string before = ReadText(csv);
  auto r = RunCli("import obd --dir " + tmp / "men" + " --out " + csv);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("would replace a file in the input folder"));
  CHECK(ReadText(csv) == before);
  r = RunCli("import obd --dir " + tmp / "men" + " --out " + tmp / "men.h5");
  REQUIRE(r.status == 0);
  r = RunCli("train --logs " + tmp / "men.h5" + " --agent offpolicy-reinforce --train.updates 1 --out " + tmp / "men.h5");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("is also an input"));
  r = RunCli("split --logs " + tmp / "men.h5" + " --out-first " + tmp / "a.h5" + " --out-second " + tmp / "men.h5");
  CHECK(r.status == 1);
  CHECK(bundlerl::LogReader(tmp / "men.h5").num_rounds() == 10000);
  // A comparison into a folder whose lock a running process holds (this test) is refused,
  // and the folder is left as it was.
  WriteText(tmp / "c.ini", "[world]\nitems = 30\nusers = 50\n[session]\ncandidates = 10\n"
                           "[compare]\nname = t\nlog_rounds = 200\ntruth_episodes = 100\nestimators = ipw\n"
                           "strategies = uniform\n");
  fs::create_directories(tmp / "out");
  WriteText(tmp / "out.lock", std::to_string(getpid()) + "\n");
  r = RunCli("compare --config " + tmp / "c.ini" + " --out " + tmp / "out");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("being written by another run"));
  CHECK(fs::is_empty(tmp / "out"));
  fs::remove(tmp / "out.lock");
  r = RunCli("compare --config " + tmp / "c.ini" + " --out " + tmp / "out");
  REQUIRE(r.status == 0);
  CHECK(fs::exists(tmp / "out/summary.md"));
  CHECK_THAT(r.output, Catch::Contains(tmp / "out/summary.md"));
  CHECK_FALSE(fs::exists(tmp / "out.lock"));
  // Huge sizes in a config are refused before allocation, naming the key.
  r = RunCli("simulate --config " + tmp / "c.ini" + " --policy uniform --world.items 2147483648");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("world.items"));
}

TEST_CASE("evaluate warns about tiny propensities and a deterministic logging policy", "[cli]") {
  TempDir tmp;
  const std::string dir = tmp / "random/men";
  fs::create_directories(dir);
  WriteText(dir + "/item_context.csv", ",item_id,item_feature_0\n0,0,0.5\n1,1,-0.2\n");
  auto write_log = [&](const std::string& p1, const std::string& p2) {
    WriteText(dir + "/men.csv",
              ",timestamp,item_id,position,click,propensity_score,user_feature_0,user-item_affinity_0,"
              "user-item_affinity_1\n0,2019-11-24 00:00:01+00:00,0,1,1," + p1 + ",u1,0.0,0.0\n"
              "1,2019-11-24 00:00:02+00:00,1,1,0," + p2 + ",u1,0.0,0.0\n");
    REQUIRE(RunCli("import obd --dir " + dir + " --out " + tmp / "l.h5").status == 0);
  };
  write_log("1e-300", "0.5");
  auto r = RunCli("evaluate --logs " + tmp / "l.h5" + " --target uniform --estimators ipw");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("warning:") && Catch::Contains("below 1e-06"));
  write_log("1", "1");
  r = RunCli("evaluate --logs " + tmp / "l.h5" + " --target uniform --estimators ipw --format csv");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("warning:") && Catch::Contains("deterministic"));
  write_log("0.5", "0.5");
  r = RunCli("evaluate --logs " + tmp / "l.h5" + " --target uniform --estimators ipw");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, !Catch::Contains("warning"));
}

TEST_CASE("INI configs: flags override, unknown keys and bad values name file and line",
          "[cli][data]") {
  TempDir tmp;
  WriteText(tmp / "ok.ini", "# comment\nformat = obd\ndir = /definitely/missing\nout = " +
                                tmp / "o.h5" + "\n");
  // The config's dir is wrong; the flag overrides it.
  auto r = RunCli("import --config " + tmp / "ok.ini" + " --dir " + DataDir() +
                  "/obd/random/women");
  CHECK(r.status == 0);
  CHECK(fs::exists(tmp / "o.h5"));
  WriteText(tmp / "bad.ini", "format = obd\n\ndri = typo\n");
  r = RunCli("import --config " + tmp / "bad.ini");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("bad.ini, line 3") && Catch::Contains("'dri'"));
  WriteText(tmp / "worse.ini", "format = obd\nthis line has no equals sign\n");
  r = RunCli("import --config " + tmp / "worse.ini");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("worse.ini, line 2") && Catch::Contains("key = value"));
}

TEST_CASE("evaluate prints a table, or CSV with a header and one row per estimator", "[cli][data]") {
  TempDir tmp;
  const std::string data = DataDir();
  REQUIRE(RunCli("import obd --dir " + data + "/obd/random/men --out " + tmp / "r.h5").status == 0);
  REQUIRE(RunCli("import obd --dir " + data + "/obd/bts/men --out " + tmp / "b.h5").status == 0);
  const std::string base = "evaluate --logs " + tmp / "r.h5" + " --target " + data +
                           "/obd/bts_policy/bts_action_dist_men.csv --truth-logs " + tmp / "b.h5";
  auto r = RunCli(base + " --estimators ipw,snipw,dr --format csv");
  REQUIRE(r.status == 0);
  std::istringstream lines(r.output);
  std::string line;
  std::getline(lines, line);
  CHECK(line ==
        "estimator,scope,value,stderr,ci_low,ci_high,ci_method,max_weight,ess,max_weight_share,nonzero_rows,reliable,"
        "unreliable_reason,truth,relative_error");
  std::vector<std::string> names;
  while (std::getline(lines, line)) names.push_back(line.substr(0, line.find(',')));
  CHECK(names == std::vector<std::string>{"ipw", "snipw", "dr"});
  r = RunCli(base + " --estimators ipw,dm");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("truth: 0.0069") && Catch::Contains("95% CI (normal)") &&
                           Catch::Contains("held-out log-lik"));
  r = RunCli(base + " --estimators ipw,wizard");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("unknown estimator 'wizard'"));
  r = RunCli("evaluate --logs " + tmp / "r.h5" + " --target " + tmp / "missing.csv");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("missing.csv"));
}

TEST_CASE("similarity writes each item's top-N neighbours atomically", "[cli][data]") {
  TempDir tmp;
  REQUIRE(RunCli("import obd --dir " + DataDir() + "/obd/random/men --out " + tmp / "m.h5").status == 0);
  auto r = RunCli("similarity --data " + tmp / "m.h5" + " --kind tfidf --top 4 --out " + tmp / "n.csv");
  REQUIRE(r.status == 0);
  std::istringstream lines(ReadText(tmp / "n.csv"));
  std::string line;
  int rows = 0;
  std::getline(lines, line);
  CHECK(line == "item_id,rank,neighbour_id,score");
  while (std::getline(lines, line)) ++rows;
  CHECK(rows == 34 * 4);
  r = RunCli("similarity --data " + tmp / "m.h5" + " --kind category --top 4 --out " + tmp / "c.csv");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("m.h5") && Catch::Contains("no /items/category_path"));
  CHECK_FALSE(fs::exists(tmp / "c.csv"));
}

TEST_CASE("simulate reads the shared config; bad keys and values name file and line", "[cli]") {
  TempDir tmp;
  WriteText(tmp / "w.ini", "[world]\nitems = 40\nusers = 30\n[session]\ncandidates = 10\n[compare]\nname = x\n");
  auto r = RunCli("simulate --config " + tmp / "w.ini" + " --policy popularity --episodes 500");
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("policy popularity: value"));
  WriteText(tmp / "bad.ini", "[world]\nitems = 40\n[shopper]\npatience = 3\n");
  r = RunCli("simulate --config " + tmp / "bad.ini" + " --policy uniform");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("bad.ini, line 4") && Catch::Contains("shopper.patience"));
  WriteText(tmp / "bad2.ini", "[session]\nslate_size = three\n");
  r = RunCli("simulate --config " + tmp / "bad2.ini" + " --policy uniform");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("bad2.ini, line 2") && Catch::Contains("session.slate_size"));
  WriteText(tmp / "bad3.ini", "[shopper]\nleave_per_miss = -0.5\n");
  r = RunCli("simulate --config " + tmp / "bad3.ini" + " --policy uniform");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("shopper.leave_per_miss"));
  WriteText(tmp / "bad4.ini", "[session]\nslate_size = 60\n");
  r = RunCli("simulate --config " + tmp / "bad4.ini" + " --policy uniform");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("session.slate_size") && Catch::Contains("larger than the candidate set"));
  // Flags override the file.
  r = RunCli("simulate --config " + tmp / "w.ini" + " --policy uniform --episodes 200 --world.items 50");
  CHECK(r.status == 0);
  // The state observation gives the same value line.
  const auto full = RunCli("simulate --config " + tmp / "w.ini" + " --policy content --episodes 500");
  const auto state = RunCli("simulate --config " + tmp / "w.ini" + " --policy content --episodes 500 --observation state");
  CHECK(state.status == 0);
  CHECK(state.output == full.output);
  r = RunCli("simulate --config " + tmp / "w.ini" + " --policy uniform --observation matrix");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("expected full or state") && Catch::Contains("'matrix'"));
}

TEST_CASE("silent cases end in clear errors: outputs, the disk, bootstrap, INI comments", "[cli]") {
  TempDir tmp;
  WriteText(tmp / "c.ini", "[world]\nitems = 60\nusers = 100\n[session]\ncandidates = 20\n"
                           "; a comment in the INI manner\n"
                           "[compare]\nname = t\nlog_rounds = 2000\ntruth_episodes = 1000\nestimators = ipw\n");
  // An empty --out is no folder (it used to mean results/<name>, replacing committed results).
  auto r = RunCli("compare --config " + tmp / "c.ini" + " --out ''");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("--out: expected a folder path, got an empty one"));
  // A folder holding files no run wrote is not replaced; one a run wrote is, and ';' comments
  // are comments.
  fs::create_directories(tmp / "mine");
  WriteText(tmp / "mine/notes.txt", "mine");
  r = RunCli("compare --config " + tmp / "c.ini" + " --out " + tmp / "mine");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("no bundlerl run wrote"));
  CHECK(ReadText(tmp / "mine/notes.txt") == "mine");
  REQUIRE(RunCli("compare --config " + tmp / "c.ini" + " --out " + tmp / "ours").status == 0);
  REQUIRE(RunCli("compare --config " + tmp / "c.ini" + " --out " + tmp / "ours").status == 0);
  CHECK(fs::exists(tmp / "ours/.bundlerl-results"));
  // A log larger than the disk stops early, with nothing left behind.
  r = RunCli("synth --config " + tmp / "c.ini" + " --rounds 1000000000000 --out " + tmp / "big.h5");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("big.h5") && Catch::Contains("GB free") && Catch::Contains("nothing written"));
  CHECK(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()) == 3);  // c.ini, mine, ours
  // One bootstrap resample makes no interval.
  r = RunCli("evaluate --logs " + tmp / "ours/logs.h5" + " --policy uniform --estimators ipw --bootstrap 1");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("--bootstrap: 1 bootstrap resamples cannot make a 95% percentile interval"));
  r = RunCli("compare --config " + tmp / "c.ini" + " --compare.bootstrap 10 --out " + tmp / "ours");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("compare.bootstrap") && Catch::Contains("at least 80"));
  // A per-row target out of range names its file and line (it named "OPE data" and the row).
  WriteText(tmp / "t.csv", "target\n0.5\n");
  r = RunCli("evaluate --logs " + tmp / "ours/logs.h5" + " --target-rows " + tmp / "t.csv" + " --estimators ipw");
  REQUIRE(r.output.find("expected ") != std::string::npos);
  const int rows = std::stoi(r.output.substr(r.output.find("expected ") + 9));
  std::string column = "target\n";
  for (int i = 0; i < rows; ++i) column += i == 7 ? "-1\n" : "0.5\n";
  WriteText(tmp / "t.csv", column);
  r = RunCli("evaluate --logs " + tmp / "ours/logs.h5" + " --target-rows " + tmp / "t.csv" + " --estimators ipw");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("t.csv: column 'target', row 7 (line 9 of a CSV): -1 not in [0, 1]"));
  // Resuming with another scorer names the setting, not a corrupt checkpoint.
  const std::string ck = " --train.checkpoint_every 1 --train.checkpoint " + tmp / "k.ckpt" + " --out " + tmp / "k.pt";
  REQUIRE(RunCli("train --config " + tmp / "c.ini" + " --agent reinforce --train.updates 2" + ck).status == 0);
  r = RunCli("train --config " + tmp / "c.ini" + " --agent reinforce --train.updates 4 --train.scorer linear --resume" + ck);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("train.scorer was mlp, now linear") && !Catch::Contains("corrupt"));
}

TEST_CASE("compare runs end to end from the command line", "[cli][slow]") {
  TempDir tmp;
  WriteText(tmp / "c.ini", "[world]\nitems = 60\nusers = 100\n[session]\ncandidates = 20\n"
                           "[compare]\nname = t\nlog_rounds = 2000\ntruth_episodes = 1000\nestimators = ipw, snipw\n");
  auto r = RunCli("compare --config " + tmp / "c.ini" + " --out " + tmp / "out");
  REQUIRE(r.status == 0);
  const std::string md = ReadText(tmp / "out/summary.md");
  CHECK_THAT(md, Catch::Contains("Kendall's tau") && Catch::Contains("| ipw |") && Catch::Contains("items = 60"));
  CHECK(fs::exists(tmp / "out/results.h5"));
  // evaluate --policy on the comparison's logs gives its estimates, to the digit.
  r = RunCli("evaluate --logs " + tmp / "out/logs.h5" + " --policy popularity,uniform --estimators ipw,snipw "
             "--format csv");
  REQUIRE(r.status == 0);
  const std::string summary = ReadText(tmp / "out/summary.csv");
  for (const char* policy : {"popularity", "uniform"})
    for (const char* est : {"ipw", "snipw"}) {
      INFO(policy << " " << est);
      const auto at = summary.find(std::string("\n") + policy + "," + est + ",");
      REQUIRE(at != std::string::npos);
      const std::string value = summary.substr(at + 1).substr(0, summary.substr(at + 1).find(',', std::string(policy).size() + std::string(est).size() + 2));
      const std::string expected = value.substr(value.rfind(',') + 1);
      CHECK_THAT(r.output, Catch::Contains(std::string(policy) + "," + est + ",all," + expected + ","));
    }
  // synth writes the same rounds as the comparison's log, streamed from the same config.
  const std::string from_compare = r.output;
  r = RunCli("synth --config " + tmp / "c.ini" + " --rounds 2000 --out " + tmp / "s.h5");
  REQUIRE(r.status == 0);
  r = RunCli("evaluate --logs " + tmp / "s.h5" + " --policy popularity,uniform --estimators ipw,snipw --format csv");
  REQUIRE(r.status == 0);
  CHECK(r.output == from_compare);
  // An agent trained on that log from the file.
  r = RunCli("train --logs " + tmp / "out/logs.h5" + " --agent offpolicy-reinforce --train.updates 3 --out " +
             tmp / "p.pt");
  REQUIRE(r.status == 0);
  r = RunCli("evaluate --logs " + tmp / "out/logs.h5" + " --policy " + tmp / "p.pt" + " --estimators ipw,sips,dr");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("p.pt") && Catch::Contains("sips"));
}

TEST_CASE("help comes from the registries: every experiment, agent, estimator and strategy is listed",
          "[cli]") {
  auto r = RunCli("compare --help");
  REQUIRE(r.status == 0);
  for (const char* kind : {"simulator", "ope-benchmark", "bundle-ranking", "bundle-completion", "obd"})
    CHECK_THAT(r.output, Catch::Contains(kind));
  // Each experiment's own options are declared beside it, with help.
  CHECK_THAT(r.output, Catch::Contains("--ranking.epochs") && Catch::Contains("--completion.domains") &&
                           Catch::Contains("--ope_benchmark.rounds") && Catch::Contains("--obd.campaigns"));
  r = RunCli("train --help");
  for (const char* agent : {"reinforce", "ppo", "offpolicy-reinforce", "ipw", "linucb", "lints"})
    CHECK_THAT(r.output, Catch::Contains(agent));
  r = RunCli("evaluate --help");
  CHECK_THAT(r.output, Catch::Contains("cascade-dr") && Catch::Contains("dros:lambda") && Catch::Contains("default 100"));
  r = RunCli("simulate --help");
  CHECK_THAT(r.output, Catch::Contains("epsilon-greedy:epsilon:base") && Catch::Contains("itemcf"));
  TempDir tmp;
  WriteText(tmp / "k.ini", "[compare]\nkind = tea-tasting\n");
  r = RunCli("compare --config " + tmp / "k.ini");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("k.ini, line 2") && Catch::Contains("unknown experiment 'tea-tasting'") &&
                           Catch::Contains("bundle-ranking"));
  // List options reject empty and repeated names, with the place named.
  WriteText(tmp / "l.ini", "[compare]\nstrategies = uniform,,popularity\n");
  r = RunCli("compare --config " + tmp / "l.ini");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("l.ini, line 2") && Catch::Contains("empty name"));
  r = RunCli("compare --compare.strategies uniform,popularity,uniform");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("command line") && Catch::Contains("'uniform' is named twice"));
}

TEST_CASE("from an OBD log to a learned policy and its off-policy value", "[cli][data]") {
  TempDir tmp;
  const std::string data = DataDir();
  REQUIRE(RunCli("import obd --dir " + data + "/obd/random/men --out " + tmp / "men.h5").status == 0);
  REQUIRE(RunCli("import obd --dir " + data + "/obd/random/women --out " + tmp / "women.h5").status == 0);
  auto r = RunCli("split --logs " + tmp / "men.h5" + " --at 0.5 --out-first " + tmp / "a.h5" + " --out-second " +
                  tmp / "b.h5");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("5000 rounds) and") && Catch::Contains("(5000 rounds)"));
  for (const char* agent : {"offpolicy-reinforce", "ipw", "linucb"}) {
    INFO(agent);
    r = RunCli("train --logs " + tmp / "a.h5" + " --agent " + agent + " --train.updates 4 --out " + tmp / agent);
    REQUIRE(r.status == 0);
  }
  const std::string table = data + "/obd/bts_policy/bts_action_dist_men.csv";
  r = RunCli("evaluate --logs " + tmp / "b.h5" + " --policy " + tmp / "ipw" + ",uniform," + table +
             " --estimators ipw,snipw,dr,dros --bootstrap 200 --format csv");
  REQUIRE(r.status == 0);
  std::istringstream lines(r.output);
  std::string line;
  std::getline(lines, line);
  CHECK(line ==
        "policy,estimator,scope,value,stderr,ci_low,ci_high,ci_method,max_weight,ess,max_weight_share,nonzero_rows,"
        "reliable,unreliable_reason");
  int n = 0;
  while (std::getline(lines, line)) ++n;
  CHECK(n == 3 * 4);
  // A policy table saved with a byte-order mark (as spreadsheets write them) reads as without.
  WriteText(tmp / "bom.csv", "\xEF\xBB\xBF" + ReadText(table));
  auto bom = RunCli("evaluate --logs " + tmp / "b.h5" + " --policy " + tmp / "bom.csv" + " --estimators ipw --format csv");
  auto plain = RunCli("evaluate --logs " + tmp / "b.h5" + " --policy " + table + " --estimators ipw --format csv");
  REQUIRE(bom.status == 0);
  CHECK(bom.output.substr(bom.output.find(",ipw,")) == plain.output.substr(plain.output.find(",ipw,")));
  // The uniform policy through --policy gives --target uniform's IPW: the logged click rate.
  auto t = RunCli("evaluate --logs " + tmp / "b.h5" + " --target uniform --estimators ipw --format csv");
  REQUIRE(t.status == 0);
  const std::string target_ipw = t.output.substr(t.output.find("\nipw,all,") + 9);
  CHECK_THAT(r.output, Catch::Contains("uniform,ipw,all," + target_ipw.substr(0, target_ipw.find(',')) + ","));
  // Clear errors: a policy trained for another catalog, an unknown name, an online agent on a
  // log, a file without rounds.
  r = RunCli("evaluate --logs " + tmp / "women.h5" + " --policy " + tmp / "ipw" + " --estimators ipw");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains(tmp / "ipw") && Catch::Contains("another catalog"));
  // A policy of kernel features trained in the default world: its features would mean other
  // items on the OBD log (it gave uniform's numbers there, unannounced); on logs of its own
  // world it is evaluated.
  REQUIRE(RunCli("train --agent reinforce --train.updates 2 --out " + tmp / "world.pt").status == 0);
  r = RunCli("evaluate --logs " + tmp / "b.h5" + " --policy " + tmp / "world.pt" + " --estimators ipw");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("trained for the catalog 'synthetic, 200 units") &&
                           Catch::Contains("obd/men holds 'obd/men, 34 units") && Catch::Contains("train --logs"));
  REQUIRE(RunCli("synth --rounds 500 --out " + tmp / "syn.h5").status == 0);
  r = RunCli("evaluate --logs " + tmp / "syn.h5" + " --policy " + tmp / "world.pt" + " --estimators ipw --format csv");
  CHECK(r.status == 0);
  // A checkpoint is resumed on its own log only: another log of as many rounds is refused.
  REQUIRE(RunCli("train --logs " + tmp / "a.h5" + " --agent ipw --train.updates 2 --train.checkpoint_every 1 --train.checkpoint " +
                 tmp / "ck.ckpt" + " --out " + tmp / "ck.pt").status == 0);
  r = RunCli("train --logs " + tmp / "b.h5" + " --agent ipw --train.updates 4 --train.checkpoint_every 1 --train.checkpoint " +
             tmp / "ck.ckpt" + " --resume --out " + tmp / "ck.pt");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("written under other settings") && Catch::Contains("5000 rounds"));
  r = RunCli("evaluate --logs " + tmp / "b.h5" + " --policy wizard --estimators ipw");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("unknown policy 'wizard'") && Catch::Contains("policy file"));
  // reinforce learns in the world fitted to the log: one slot a round, clicks fitted slot by
  // slot with the position's bias; the policy is valued on the later half like the others.
  r = RunCli("train --logs " + tmp / "a.h5" + " --agent reinforce --train.updates 20 --out " + tmp / "pg.pt");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("fitted world: obd/men, 5000 logged rounds, slates of 3") &&
                           Catch::Contains("shopper model: independent"));
  r = RunCli("evaluate --logs " + tmp / "b.h5" + " --policy " + tmp / "pg.pt" + " --estimators ipw --format csv");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("pg.pt,ipw,all,"));
  REQUIRE(RunCli("import bundles --dir " + data + "/bundles/Youshu --out " + tmp / "y.h5").status == 0);
  r = RunCli("train --logs " + tmp / "y.h5" + " --agent ipw --out " + tmp / "x.pt");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("y.h5") && Catch::Contains("no logged rounds"));
  r = RunCli("train --logs " + tmp / "a.h5" + " --agent ipw --train.reward purchase --out " + tmp / "x.pt");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("a.h5") && Catch::Contains("rounds/purchase"));
  r = RunCli("train --logs " + tmp / "a.h5" + " --agent ipw --features kernel,item,colour --out " + tmp / "x.pt");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("unknown part 'colour'"));
}

// The value a simulate run prints ("policy NAME: value V +- SE ...").
double SimulatedValue(const std::string& output) {
  const auto at = output.find(": value ");
  REQUIRE(at != std::string::npos);
  return std::stod(output.substr(at + 8));
}

TEST_CASE("an agent trained in the world fitted to a simulated log does nearly as well as one trained in the world",
          "[cli][slow]") {
  TempDir tmp;
  const std::string config = std::string(BUNDLERL_SOURCE_DIR) + "/sim_configs/default.ini";
  REQUIRE(RunCli("synth --config " + config + " --rounds 20000 --out " + tmp / "log.h5").status == 0);
  auto r = RunCli("fit-world --logs " + tmp / "log.h5" + " --out " + tmp / "world.h5");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("held out: the model of the earlier 16000 rounds on the later 4000"));
  REQUIRE(RunCli("train --config " + config + " --world " + tmp / "world.h5" + " --agent reinforce --out " +
                 tmp / "fitted.pt").status == 0);
  // The same agent in the world itself, one slate an episode as in the fitted world.
  REQUIRE(RunCli("train --config " + config + " --session.max_steps 1 --agent reinforce --out " + tmp / "true.pt")
              .status == 0);
  auto value = [&](const std::string& policy) {
    const auto v = RunCli("simulate --config " + config + " --session.max_steps 1 --episodes 100000 --policy " + policy);
    REQUIRE(v.status == 0);
    return SimulatedValue(v.output);
  };
  const double fitted = value(tmp / "fitted.pt"), truth = value(tmp / "true.pt"), uniform = value("uniform");
  INFO("fitted world " << fitted << ", true world " << truth << ", uniform " << uniform);
  CHECK(fitted >= 0.9 * truth);
  CHECK(fitted > uniform + 0.5 * (truth - uniform));
  // The fitted world values policies too, and a policy of other rows is refused.
  r = RunCli("simulate --world " + tmp / "world.h5" + " --policy " + tmp / "fitted.pt" + " --episodes 2000");
  REQUIRE(r.status == 0);
  CHECK(std::abs(SimulatedValue(r.output) - fitted) < 0.05);
  r = RunCli("simulate --world " + tmp / "world.h5" + " --policy popularity --exact");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("--exact"));
  r = RunCli("train --world " + tmp / "log.h5" + " --agent reinforce --out " + tmp / "x.pt");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("log.h5") && Catch::Contains("not a fitted world"));
  // evaluate judges every estimate by default with the shopper model fitted to the slates: the
  // per-slot IPW of a policy far from the logging one (its slot rewards are not additive here)
  // is marked, the model's own estimate is not; without the model the table says so.
  r = RunCli("evaluate --logs " + tmp / "log.h5" + " --policy " + tmp / "fitted.pt" +
             " --estimators ipw,model --format csv");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains(",ipw,all,") && Catch::Contains(",0,the fitted shopper model puts its bias at"));
  r = RunCli("evaluate --logs " + tmp / "log.h5" + " --policy " + tmp / "fitted.pt" + " --estimators ipw");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("judged: Every estimate is judged by its weights and by a shopper model"));
  r = RunCli("evaluate --logs " + tmp / "log.h5" + " --policy " + tmp / "fitted.pt" + " --estimators ipw --shopper-model none");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("judged by their weights only") && Catch::Contains("--shopper-model none"));
}

#include <csignal>
#include <chrono>
#include <fstream>
#include <thread>

TEST_CASE("a training run killed with SIGKILL and resumed ends with the same parameters",
          "[cli][agents][slow]") {
  TempDir tmp;
  WriteText(tmp / "t.ini", "[world]\nitems = 100\nusers = 200\n[session]\ncandidates = 30\n");
  const std::string base = std::string(BUNDLERL_BINARY) + " train --config " + tmp / "t.ini" +
                           " --agent reinforce --seed 3 --train.updates 120 --train.episodes_per_update 48"
                           " --train.checkpoint_every 10";
  // Uninterrupted.
  REQUIRE(std::system((base + " --train.checkpoint " + tmp / "a.ckpt" + " --out " + tmp / "a.pt" + " > " +
                       tmp / "a.log" + " 2>&1").c_str()) == 0);
  // Interrupted: start in the background, wait for a checkpoint, kill -9, then resume.
  const std::string run_b = base + " --train.checkpoint " + tmp / "b.ckpt" + " --out " + tmp / "b.pt";
  REQUIRE(std::system((run_b + " > " + tmp / "b1.log" + " 2>&1 & echo $! > " + tmp / "pid").c_str()) == 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(tmp / "b.ckpt") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(fs::exists(tmp / "b.ckpt"));
  const int pid = std::stoi(ReadText(tmp / "pid"));
  REQUIRE(kill(pid, SIGKILL) == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_FALSE(fs::exists(tmp / "b.pt"));  // killed before the end: no policy file
  REQUIRE(std::system((run_b + " --resume > " + tmp / "b2.log" + " 2>&1").c_str()) == 0);
  auto a = bundlerl::LoadScorer(tmp / "a.pt"), b = bundlerl::LoadScorer(tmp / "b.pt");
  const auto pa = a->parameters(), pb = b->parameters();
  REQUIRE(pa.size() == pb.size());
  for (size_t i = 0; i < pa.size(); ++i) CHECK(torch::equal(pa[i], pb[i]));
}

// ---- Distributed (c10d / Gloo, 2 processes on 127.0.0.1) ----

namespace {

int FreePort(int offset) { return 30000 + (getpid() * 7 + offset * 131) % 20000; }

// Runs the same command as ranks 0 and 1; returns rank 0's output.
RunResult RunTwoRanks(const std::string& args, int port, const std::string& out_dir) {
  const std::string bin = BUNDLERL_BINARY;
  const std::string flags = " --world-size 2 --master 127.0.0.1:" + std::to_string(port) + " --timeout 30";
  const std::string r0 = out_dir + "/rank0.txt", r1 = out_dir + "/rank1.txt";
  const std::string cmd = "(" + bin + " " + args + flags + " --rank 1 > " + r1 + " 2>&1 &) ; " + bin + " " + args +
                          flags + " --rank 0 > " + r0 + " 2>&1";
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ReadText(r0)};
}

}  // namespace

TEST_CASE("distributed evaluation over 2 processes gives the estimates of 1", "[cli][distributed][data]") {
  TempDir tmp;
  const std::string data = DataDir();
  REQUIRE(RunCli("import obd --dir " + data + "/obd/random/women --out " + tmp / "r.h5").status == 0);
  const std::string args = "evaluate --logs " + tmp / "r.h5" + " --target " + data +
                           "/obd/bts_policy/bts_action_dist_women.csv --estimators ipw,snipw,clipped-ipw:5 --format csv";
  const auto one = RunCli(args);
  const auto two = RunTwoRanks(args, FreePort(1), tmp.path());
  REQUIRE(one.status == 0);
  REQUIRE(two.status == 0);
  std::istringstream a(one.output), b(two.output);
  std::string la, lb;
  int rows = 0;
  while (std::getline(a, la) && std::getline(b, lb)) {
    ++rows;
    if (rows == 1) continue;
    std::vector<std::string> fa, fb;
    std::stringstream sa(la), sb(lb);
    std::string x;
    while (std::getline(sa, x, ',')) fa.push_back(x);
    while (std::getline(sb, x, ',')) fb.push_back(x);
    REQUIRE(fa.size() == fb.size());
    CHECK(fa[0] == fb[0]);
    for (int k : {2, 3, 4, 5}) CHECK(std::stod(fa[k]) == Approx(std::stod(fb[k])).epsilon(1e-9));
  }
  CHECK(rows == 4);
}

TEST_CASE("distributed simulation and training over 2 processes match 1 process", "[cli][distributed][slow]") {
  TempDir tmp;
  WriteText(tmp / "d.ini", "[world]\nitems = 100\nusers = 200\n[session]\ncandidates = 30\n");
  const std::string sim = "simulate --config " + tmp / "d.ini" + " --policy popularity --episodes 3000";
  const auto one = RunCli(sim), two = RunTwoRanks(sim, FreePort(2), tmp.path());
  REQUIRE(two.status == 0);
  CHECK(one.output.substr(0, one.output.find('\n')) == two.output.substr(0, two.output.find('\n')));
  const std::string train = "train --config " + tmp / "d.ini" +
                            " --agent offpolicy-reinforce --train.log_rounds 20000 --train.batch_rounds 1000"
                            " --train.updates 30 --train.grad_shards 2 --out ";
  REQUIRE(RunCli(train + tmp / "one.pt").status == 0);
  REQUIRE(RunTwoRanks(train + tmp / "two.pt", FreePort(3), tmp.path()).status == 0);
  auto a = bundlerl::LoadScorer(tmp / "one.pt"), b = bundlerl::LoadScorer(tmp / "two.pt");
  const auto pa = a->parameters(), pb = b->parameters();
  REQUIRE(pa.size() == pb.size());
  for (size_t i = 0; i < pa.size(); ++i) {
    const double diff = (pa[i] - pb[i]).abs().max().item<double>();
    INFO("parameter " << i << ": max abs difference " << diff);
    CHECK(diff == 0.0);  // micro-batches summed in the same order: bitwise equal
  }
}

TEST_CASE("a rank that dies makes the other exit with a clear error instead of hanging",
          "[cli][distributed][slow]") {
  TempDir tmp;
  WriteText(tmp / "d.ini", "[world]\nitems = 100\nusers = 200\n[session]\ncandidates = 30\n");
  const int port = FreePort(4);
  const std::string bin = BUNDLERL_BINARY;
  const std::string job = bin + " train --config " + tmp / "d.ini" +
                          " --agent offpolicy-reinforce --train.log_rounds 20000 --train.batch_rounds 500"
                          " --train.updates 1000000 --train.grad_shards 2 --out " + tmp / "x.pt" +
                          " --world-size 2 --timeout 10 --master 127.0.0.1:" + std::to_string(port);
  REQUIRE(std::system((job + " --rank 1 > " + tmp / "r1.txt" + " 2>&1 & echo $! > " + tmp / "pid1").c_str()) == 0);
  REQUIRE(std::system((job + " --rank 0 > " + tmp / "r0.txt" + " 2>&1 & echo $! > " + tmp / "pid0").c_str()) == 0);
  std::this_thread::sleep_for(std::chrono::seconds(4));  // both running, training
  const int pid1 = std::stoi(ReadText(tmp / "pid1")), pid0 = std::stoi(ReadText(tmp / "pid0"));
  REQUIRE(kill(pid1, SIGKILL) == 0);
  const auto start = std::chrono::steady_clock::now();
  while (kill(pid0, 0) == 0 && std::chrono::steady_clock::now() - start < std::chrono::seconds(40))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const bool exited = kill(pid0, 0) != 0;
  if (!exited) kill(pid0, SIGKILL);
  CHECK(exited);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(40));
  CHECK_THAT(ReadText(tmp / "r0.txt"), Catch::Contains("distributed") && Catch::Contains("rank 0"));
  CHECK_FALSE(fs::exists(tmp / "x.pt"));
}

TEST_CASE("a peer that accepts and never answers, or a master that does not resolve, is an error within the timeout",
          "[cli][distributed][data]") {
  TempDir tmp;
  // A listening socket that is never accepted: the kernel completes the connection, and
  // nothing is ever sent back.
  const int server = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(server >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(listen(server, 8) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const int port = ntohs(addr.sin_port);
  const std::string logs = tmp / "men.h5";
  REQUIRE(RunCli("import obd --dir " + DataDir() + "/obd/random/men --out " + logs).status == 0);
  const auto start = std::chrono::steady_clock::now();
  auto r = RunCli("evaluate --logs " + logs + " --estimators ipw --world-size 2 --rank 1 --timeout 3 --master 127.0.0.1:" +
                  std::to_string(port));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(server);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("distributed") && Catch::Contains("127.0.0.1"));
  CHECK(seconds < 15);
  r = RunCli("evaluate --logs " + logs + " --estimators ipw --world-size 2 --rank 1 --timeout 3 "
             "--master no-such-host.invalid:29500");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("cannot resolve") && Catch::Contains("no-such-host.invalid"));
}

// The committed results/obd (no trained agent, so the same bits on any CPU) must be what the
// code writes today: a change to an estimator, the bootstrap or the reward model that moves a
// number fails here until results/obd is regenerated (`bundlerl compare --config
// sim_configs/obd.ini`) and the change is explained.
TEST_CASE("the committed results/obd regenerate byte for byte", "[cli][data][results]") {
  TempDir tmp;
  const std::string source = BUNDLERL_SOURCE_DIR;
  const auto r = RunCli("compare --config " + source + "/sim_configs/obd.ini --compare.data " + DataDir() +
                        "/obd --out " + tmp / "obd");
  REQUIRE(r.status == 0);
  std::istringstream fresh(ReadText(tmp / "obd/summary.csv"));
  std::istringstream committed(ReadText(source + "/results/obd/summary.csv"));
  std::string a, b;
  int line = 0;
  while (std::getline(committed, b)) {
    ++line;
    INFO("results/obd/summary.csv, line " << line);
    REQUIRE(std::getline(fresh, a));
    REQUIRE(a == b);
  }
  CHECK(line > 1);
  CHECK_FALSE(std::getline(fresh, a));
}

// The newer experiments' keys: each bad value is refused before any work, with the key and
// the place it was set (the INI line, or the command line) named.
TEST_CASE("bundle-ranking and bundle-completion keys are checked with the key and place named",
          "[cli][data]") {
  TempDir tmp;
  const std::string youshu = " --compare.kind bundle-ranking --compare.data " + DataDir() + "/bundles/Youshu";
  const std::string out = " --out " + tmp / "out";
  auto r = RunCli("compare" + youshu + " --ranking.learning_rate -1" + out);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("command line") && Catch::Contains("config key 'ranking.learning_rate'"));
  r = RunCli("compare" + youshu + " --ranking.epochs 0" + out);
  CHECK_THAT(r.output, Catch::Contains("config key 'ranking.epochs': expected 1 to 1000000, got 0"));
  r = RunCli("compare" + youshu + " --graph.temperature 1e-300" + out);  // a float would hold 0
  CHECK_THAT(r.output, Catch::Contains("config key 'graph.temperature': expected a number in [0.001, 1000], got 1e-300"));
  r = RunCli("compare" + youshu + " --reinforce.temperature 1e-30" + out);  // float, but its gradient overflows
  CHECK_THAT(r.output, Catch::Contains("config key 'reinforce.temperature': expected a number in [0.001, 1000]"));
  r = RunCli("compare" + youshu + " --reinforce.slate_size 0" + out);
  CHECK_THAT(r.output, Catch::Contains("config key 'reinforce.slate_size': expected 1 to"));
  // K above the catalogue, refused once the catalogue is read, before any model trains
  r = RunCli("compare" + youshu + " --reinforce.slate_size 100000" + out);
  CHECK_THAT(r.output, Catch::Contains("config key 'reinforce.slate_size': K = 100000 is more than the catalogue's "
                                       "4771 bundles") && !Catch::Contains("epoch"));
  r = RunCli("compare" + youshu + " --ranking.ease_lambdas 100,100" + out);
  CHECK_THAT(r.output, Catch::Contains("config key 'ranking.ease_lambdas': 100 is listed twice"));
  // A graph key set in the INI file is blamed on its own line, not on ranking.graph_models'.
  WriteText(tmp / "g.ini", "[compare]\nkind = bundle-ranking\n[ranking]\ngraph_models = crosscbr\n[graph]\ndim = 0\n");
  r = RunCli("compare --config " + tmp / "g.ini" + " --compare.data " + DataDir() + "/bundles/Youshu" + out);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("g.ini, line 6: config key 'graph.dim': expected 1 to 4096, got 0"));
  const std::string amazon = " --compare.kind bundle-completion --compare.data " + DataDir() + "/bundles/amazon";
  r = RunCli("compare" + amazon + " --completion.learned_samples 1000000000000" + out);
  CHECK_THAT(r.output, Catch::Contains("config key 'completion.learned_samples': expected 2 to 100000"));
  r = RunCli("compare" + amazon + " --completion.n 5,5" + out);
  CHECK_THAT(r.output, Catch::Contains("config key 'completion.n': 5 is listed twice"));
  r = RunCli("compare" + amazon + " --completion.domains food --completion.train_share 1e-300" + out);
  CHECK_THAT(r.output, Catch::Contains("config key 'completion.train_share': 1e-300 of food's 1161 timed sessions "
                                       "leaves 0 to train on"));
  r = RunCli("compare" + amazon + " --completion.learned_seeds 1,-1" + out);
  CHECK_THAT(r.output, Catch::Contains("config key 'completion.learned_seeds': expected seeds >= 0, got -1"));
  // Every domain's folder is checked before the first domain's work.
  r = RunCli("compare" + amazon + " --completion.domains food,nosuch" + out);
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("config key 'completion.domains': 'nosuch' is not a folder"));
  CHECK_THAT(r.output, !Catch::Contains("compare: food"));  // food's work never started
  // A linear bandit has no attention scorer to train.
  r = RunCli("train --agent lints --train.scorer attention --train.updates 1 --out " + tmp / "p.pt");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("config key 'train.scorer': agent 'lints' is a linear bandit"));
}

// A bad value in the section of an experiment that does not run is refused too, before the
// run starts: it would be recorded in results.h5's resolved config as if it had been used.
TEST_CASE("every experiment's keys are checked, whichever experiment runs", "[cli]") {
  TempDir tmp;
  const std::string run = "compare --compare.kind simulator --out " + tmp / "out";
  const std::pair<const char*, const char*> cases[] = {
      {" --graph.dim 0", "config key 'graph.dim': expected 1 to 4096, got 0"},
      {" --completion.n 5,5", "config key 'completion.n': 5 is listed twice"},
      {" --coverage.rounds 1000000000000", "config key 'coverage.rounds': expected 100 to 100000000"},
      {" --ope_benchmark.rounds 1000,1000", "config key 'ope_benchmark.rounds': 1000 is listed twice"},
      {" --ope_benchmark.seeds 0", "config key 'ope_benchmark.seeds': expected 1 to 100000, got 0"},
      {" --obd_learned.split 1", "config key 'obd_learned.split': expected a share in (0, 1), got 1"},
      {" --compare.log_rounds 1000000000000", "config key 'compare.log_rounds': expected 100 to 100000000"},
      {" --train.updates 0", "config key 'train.updates': expected a positive number"},  // [train] too
  };
  for (const auto& [flag, message] : cases) {
    const auto r = RunCli(run + flag);
    INFO(flag);
    CHECK(r.status == 1);
    CHECK_THAT(r.output, Catch::Contains("the command line") && Catch::Contains(message));
  }
  CHECK_FALSE(fs::exists(tmp / "out"));
  // In an INI file, the line is named; `simulate` reads the same sections.
  WriteText(tmp / "bad.ini", "[compare]\nseed = 3\n[ranking]\nepochs = 0\n");
  const auto r = RunCli("simulate --config " + tmp / "bad.ini" + " --policy uniform --episodes 10");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("bad.ini, line 4: config key 'ranking.epochs': expected 1 to 1000000, got 0"));
}

// The embeddings a bundle-ranking run saves (embeddings_MODEL.h5) as a kernel of the same
// catalog: the light executable hands graph:FILE over to bundlerl-full.
TEST_CASE("similarity over saved graph embeddings, through the light executable", "[cli]") {
  TempDir tmp;
  const std::string data = tmp / "Tiny";
  fs::create_directories(data);
  WriteTinyBundleData(data);
  auto r = RunCli("compare --compare.kind bundle-ranking --compare.data " + data +
                  " --compare.threads 1 --ranking.epochs 2 --ranking.graph_models crosscbr,mf-bpr"
                  " --ranking.ensemble_models '' --ranking.reinforce_from '' --ranking.ease_lambdas ''"
                  " --graph.dim 8 --graph.epochs 2 --graph.batch 16 --graph.eval_every 1 --out " + tmp / "rank");
  REQUIRE(r.status == 0);
  const std::string crosscbr = tmp / "rank/embeddings_crosscbr.h5";
  REQUIRE(RunCli("import bundles --dir " + data + " --out " + tmp / "y.h5").status == 0);
  r = RunCli("similarity --data " + tmp / "y.h5" + " --kind graph:" + crosscbr + " --top 3 --out " + tmp / "n.csv");
  REQUIRE(r.status == 0);
  std::istringstream csv(ReadText(tmp / "n.csv"));
  std::string line;
  int64_t rows = 0;
  std::getline(csv, line);  // header
  while (std::getline(csv, line)) ++rows;
  CHECK(rows == 3 * 180);
  // The kernel named in an INI file is handed over too; a typo still gets the registry's message.
  WriteText(tmp / "s.ini", "kind = graph:" + crosscbr + "\ntop = 1\n");
  r = RunCli("similarity --config " + tmp / "s.ini" + " --data " + tmp / "y.h5" + " --out " + tmp / "i.csv");
  CHECK(r.status == 0);
  r = RunCli("similarity --kind grahp:x.h5 --data " + tmp / "y.h5" + " --out " + tmp / "t.csv");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("unknown similarity kernel 'grahp:x.h5'"));
  // The embeddings file cannot be the output, and a model without item vectors is refused.
  r = RunCli("similarity --kind graph:" + crosscbr + " --data " + tmp / "y.h5" + " --out " + crosscbr);
  CHECK(r.status == 1);
  r = RunCli("similarity --data " + tmp / "y.h5" + " --kind graph:" + tmp / "rank/embeddings_mf-bpr.h5" +
             " --top 3 --out " + tmp / "m.csv");
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("have no item vectors (crosscbr has)"));
  CHECK_FALSE(fs::exists(tmp / "m.csv"));
}
