// Tests for common/: the CSV reader.
#include "common/atomic_file.h"
#include "common/csv.h"
#include "common/memory.h"
#include "common/options.h"
#include "common/error.h"
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>

#include <unistd.h>

#include "common/executor.h"
#include "test_util.h"

using namespace bundlerl;
using bundlerl::testing::TempDir;
using bundlerl::testing::WriteText;

TEST_CASE("CsvReader splits quoted fields, CRLF and multi-line quotes", "[common]") {
  TempDir tmp;
  WriteText(tmp / "a.csv",
            "id,title\r\n1,\"Case, black \"\"slim\"\"\"\r\n\n2,\"two\nlines\"\n3,plain\n");
  CsvReader csv(tmp / "a.csv");
  auto header = csv.ReadHeader(2);
  REQUIRE(header == std::vector<std::string>{"id", "title"});
  std::vector<std::string> f;
  REQUIRE(csv.Next(f));
  CHECK(csv.line() == 2);
  CHECK(f == std::vector<std::string>{"1", "Case, black \"slim\""});
  REQUIRE(csv.Next(f));
  CHECK(csv.line() == 4);  // the empty line 3 is skipped
  CHECK(f[1] == "two\nlines");
  REQUIRE(csv.Next(f));
  CHECK(csv.line() == 6);
  CHECK(csv.ToInt(f[0], "id") == 3);
  CHECK_FALSE(csv.Next(f));
}

TEST_CASE("CsvReader conversion errors name file, line and column", "[common]") {
  TempDir tmp;
  WriteText(tmp / "b.tsv", "1\tx\n2\tnan\n3\n");
  CsvReader csv(tmp / "b.tsv", '\t');
  std::vector<std::string> f;
  REQUIRE(csv.Next(f));
  CHECK_THROWS_WITH(csv.ToDouble(f[1], "score"),
                    Catch::Contains("b.tsv, line 1") && Catch::Contains("'score'") &&
                        Catch::Contains("expected a number"));
  REQUIRE(csv.Next(f));
  CHECK_THROWS_WITH(csv.ToDouble(f[1], "score"), Catch::Contains("line 2") && Catch::Contains("finite"));
  REQUIRE(csv.Next(f));
  CHECK_THROWS_WITH(csv.ExpectColumns(f, 2), Catch::Contains("line 3") &&
                                                 Catch::Contains("expected 2 columns, found 1"));
  CHECK_THROWS_WITH(CsvReader(tmp / "missing.csv"), Catch::Contains("missing.csv") &&
                                                        Catch::Contains("cannot open"));
}

TEST_CASE("CsvReader rejects a header that names a column twice", "[common]") {
  TempDir tmp;
  WriteText(tmp / "d.csv", "id,score,id\n1,2,3\n");
  CsvReader csv(tmp / "d.csv");
  CHECK_THROWS_WITH(csv.ReadHeader(), Catch::Contains("d.csv, line 1") && Catch::Contains("'id' appears twice") &&
                                          Catch::Contains("columns 1 and 3"));
}

TEST_CASE("CsvReader reports an unterminated quote", "[common]") {
  TempDir tmp;
  WriteText(tmp / "c.csv", "1,\"open\n");
  CsvReader csv(tmp / "c.csv");
  std::vector<std::string> f;
  CHECK_THROWS_WITH(csv.Next(f), Catch::Contains("unterminated"));
}

TEST_CASE("messages quote user values cut short, with bytes that are not text escaped", "[common]") {
  CHECK(Excerpt("abc") == "abc");
  CHECK(Excerpt(std::string("a\x01\xff", 3)) == "a\\x01\\xff");
  const std::string long_value(1 << 20, 'z');
  CHECK(Excerpt(long_value) == std::string(48, 'z') + "... (1048576 bytes)");
  TempDir tmp;
  std::filesystem::create_directories(tmp / "folder.csv");
  CHECK_THROWS_WITH(CsvReader(tmp / "folder.csv"), Catch::Contains("folder.csv") && Catch::Contains("is a folder"));
  // A record longer than the limit (here: a file without line ends) is an error, not a
  // string that grows without bound.
  {
    std::ofstream big(tmp / "big.csv", std::ios::binary);
    const std::string block(1 << 20, 'x');
    for (size_t i = 0; i <= (CsvReader::kMaxRecordBytes >> 20); ++i) big << block;
  }
  CsvReader csv(tmp / "big.csv");
  std::vector<std::string> f;
  CHECK_THROWS_WITH(csv.Next(f), Catch::Contains("big.csv, line 1") && Catch::Contains("longer than 64 MiB"));
}

TEST_CASE("sizes are checked against the machine's memory before allocation", "[common]") {
  CHECK(MachineMemoryBytes() > (uint64_t{1} << 28));
  CHECK_NOTHROW(CheckFitsInMemory(1e6, "small"));
  CHECK_THROWS_WITH(CheckFitsInMemory(1e30, "config key 'world.items' (huge)"),
                    Catch::Contains("config key 'world.items' (huge): needs about") && Catch::Contains("GiB"));
  CHECK_THROWS(CheckFitsInMemory(std::nan(""), "nan"));
}

TEST_CASE("a large table is zeroed, 2 MiB aligned, writable end to end, and empty by default", "[common]") {
  LargeTable<double> none;
  CHECK(none.empty());
  CHECK(none.data() == nullptr);
  const size_t n = 3 * (size_t{1} << 18) + 5;  // 6 MiB + 40 bytes: not a whole number of huge pages
  LargeTable<double> t(n);
  REQUIRE(t.size() == n);
  CHECK(reinterpret_cast<uintptr_t>(t.data()) % (size_t{2} << 20) == 0);
  bool zero = true;
  for (size_t i = 0; i < n; ++i) zero = zero && t.data()[i] == 0.0;
  CHECK(zero);
  for (size_t i = 0; i < n; ++i) t.data()[i] = static_cast<double>(i);
  CHECK(t.data()[n - 1] == static_cast<double>(n - 1));
  LargeTable<double> moved = std::move(t);
  CHECK(moved.data()[7] == 7.0);
  CHECK(t.empty());  // NOLINT(bugprone-use-after-move): the moved-from table is empty
}

TEST_CASE("an output folder appears whole; a live run's lock is respected, a dead one's is not", "[common]") {
  namespace fs = std::filesystem;
  TempDir tmp;
  const std::string out = tmp / "results";
  fs::create_directories(out);
  WriteText(out + "/old.txt", "previous");
  // A folder no run wrote (no marker) is not replaced; an empty path is no folder.
  CHECK_THROWS_WITH(AtomicFolder(out), Catch::Contains(out) && Catch::Contains("no bundlerl run wrote"));
  CHECK(fs::exists(out + "/old.txt"));
  CHECK_THROWS_WITH(AtomicFolder(""), Catch::Contains("got an empty one"));
  WriteText(out + "/.bundlerl-results", "");
  {
    AtomicFolder folder(out);
    WriteText(folder.staging() + "/new.txt", "x");
    // Another run into the same folder is refused while this one holds it.
    CHECK_THROWS_WITH(AtomicFolder(out), Catch::Contains("being written by another run"));
    // Not committed: the previous results stay, the staging folder goes.
  }
  CHECK(fs::exists(out + "/old.txt"));
  CHECK_FALSE(fs::exists(out + ".lock"));
  CHECK(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()) == 1);
  // A lock and a staging folder left by a process that no longer runs are taken over.
  WriteText(out + ".lock", "999999999\n");
  fs::create_directories(out + ".partial.999999998");
  {
    AtomicFolder folder(out);
    CHECK_FALSE(fs::exists(out + ".partial.999999998"));
    WriteText(folder.staging() + "/new.txt", "x");
    folder.Commit();
  }
  CHECK(fs::exists(out + "/new.txt"));
  CHECK(fs::exists(out + "/.bundlerl-results"));  // the next run may replace it
  CHECK_FALSE(fs::exists(out + "/old.txt"));
  // A lock whose process id now belongs to another process (this one, started at another
  // time) is taken over; one naming this process as it is is respected.
  WriteText(out + ".lock", std::to_string(getpid()) + " 1\n");
  { AtomicFolder folder(out); }
  CHECK_FALSE(fs::exists(out + ".lock"));
  {
    AtomicFolder folder(out);
    const std::string mine = testing::ReadText(out + ".lock");
    CHECK(mine.rfind(std::to_string(getpid()) + " ", 0) == 0);
    CHECK(std::stoull(mine.substr(mine.find(' ') + 1)) > 1);
    CHECK_THROWS_WITH(AtomicFolder(out), Catch::Contains("being written by another run"));
  }
  CHECK(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()) == 1);
  // Orphaned temporaries of single files are removed by the next writer.
  WriteText(tmp / "a.csv.tmp.999999997", "half");
  {
    AtomicFile f(tmp / "a.csv");
    f.stream() << "done";
    f.Commit();
  }
  CHECK_FALSE(fs::exists(tmp / "a.csv.tmp.999999997"));
  CHECK_THROWS_WITH(AtomicFile(out), Catch::Contains("is a folder"));
  CHECK_THROWS_WITH(AtomicFile(""), "an output file path is needed, got an empty one");
}

TEST_CASE("the thread pool runs every task once, in fixed blocks, and passes errors on", "[common]") {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    for (int rep = 0; rep < 200; ++rep) {  // the same pool many times, as a batch stepper does
      const int64_t n = rep % 13;
      std::vector<int> count(n, 0), by(n, -1);
      pool.Run(n, [&](int t, int64_t i) { ++count[i], by[i] = t; });
      for (int64_t i = 0; i < n; ++i) {
        REQUIRE(count[i] == 1);
        // Thread t takes [n t / threads, n (t + 1) / threads).
        if (n > 1) REQUIRE((n * by[i] / threads <= i && i < n * (by[i] + 1) / threads));
      }
    }
    std::vector<int> ran(10, 0);
    CHECK_THROWS_WITH(pool.Run(10, [&](int, int64_t i) {
                        ran[i] = 1;
                        if (i == 7) Fail("task ", i, " failed");
                      }),
                      "task 7 failed");
    int total = 0;
    for (int r : ran) total += r;
    CHECK(total >= 8);  // task 7 threw; the tasks of the other blocks ran
    pool.Run(3, [&](int, int64_t i) { ran[i] = 2; });  // usable after an error
    CHECK(ran[2] == 2);
  }
}

TEST_CASE("the executor reports the lowest failing task, whatever the thread count", "[common]") {
  for (int threads : {1, 2, 3, 5}) {
    CHECK_THROWS_WITH(ParallelFor(threads, 40,
                                  [&](int, int64_t i) {
                                    if (i == 31 || i == 9 || i == 17) Fail("task ", i, " failed");
                                  }),
                      "task 9 failed");
  }
}

TEST_CASE("a loop inside a task, or on a pool another caller holds, runs inline", "[common]") {
  for (int threads : {1, 2, 4}) {
    std::vector<int64_t> sum(12, 0);
    ParallelFor(threads, 12, [&](int, int64_t i) {
      // Nested: the inner loop runs on this task's thread, every index once.
      ParallelFor(threads, 5, [&](int t, int64_t j) {
        REQUIRE(t == 0);
        sum[i] += j;
      });
    });
    for (int64_t s : sum) CHECK(s == 10);
  }
  // Two callers on one pool at once: both complete with every task run once.
  ThreadPool pool(2);
  std::vector<std::atomic<int>> hits(2000);
  std::thread other([&] {
    for (int rep = 0; rep < 50; ++rep) pool.Run(20, [&](int, int64_t i) { hits[1000 + rep * 20 + i]++; });
  });
  for (int rep = 0; rep < 50; ++rep) pool.Run(20, [&](int, int64_t i) { hits[rep * 20 + i]++; });
  other.join();
  for (auto& h : hits) CHECK(h.load() == 1);
}

TEST_CASE("thread counts are bounded by the hardware, with the key named", "[common]") {
  CHECK_NOTHROW(ValidateThreads(1, "--threads"));
  CHECK_NOTHROW(ValidateThreads(MaxThreads(), "--threads"));
  CHECK_THROWS_WITH(ValidateThreads(100000, "--threads"), Catch::Contains("--threads") && Catch::Contains("100000"));
  CHECK_THROWS_WITH(ValidateThreads(0, "compare.threads"), Catch::Contains("compare.threads"));
  CHECK_THROWS_WITH(ValidateThreads(-1, "--threads"), Catch::Contains("-1"));
  // The pool itself refuses a runaway count, whatever path asked for it.
  CHECK_THROWS_WITH(ThreadPool(MaxThreads() + 1), Catch::Contains("thread pool: ") && Catch::Contains("at most"));
  CHECK_THROWS(SharedPool(1000000));
}

TEST_CASE("declared values are checked with the key named", "[common]") {
  CHECK_NOTHROW(RequireInRange("graph.dim", 64, 1, 4096));
  CHECK_THROWS_WITH(RequireInRange("graph.dim", 0, 1, 4096), "config key 'graph.dim': expected 1 to 4096, got 0");
  CHECK_NOTHROW(RequirePositiveFloat("graph.temperature", 0.25));
  // LibTorch holds these as floats: 1e300 would overflow and 1e-300 become zero
  CHECK_THROWS_WITH(RequirePositiveFloat("graph.temperature", 1e-300),
                    Catch::StartsWith("config key 'graph.temperature': expected a positive number in ["));
  CHECK_THROWS(RequirePositiveFloat("ranking.learning_rate", 1e300));
  CHECK_THROWS(RequirePositiveFloat("ranking.learning_rate", -1));
  CHECK_THROWS(RequirePositiveFloat("ranking.learning_rate", std::nan("")));
  CHECK_NOTHROW(RequireNonNegativeFloat("graph.l2", 0.0));
  CHECK_THROWS(RequireNonNegativeFloat("graph.l2", -1e-4));
  CHECK_NOTHROW(RequireDistinct("completion.n", std::vector<int64_t>{5, 10}));
  CHECK_THROWS_WITH(RequireDistinct("completion.n", std::vector<int64_t>{5, 10, 5}),
                    "config key 'completion.n': 5 is listed twice");
  CHECK_THROWS_WITH(RequireDistinct("ranking.ease_lambdas", std::vector<double>{100, 100}),
                    "config key 'ranking.ease_lambdas': 100 is listed twice");
}
