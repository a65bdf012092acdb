// Progress: the bar with rate and ETA, a line per tenth when not a terminal, nothing when quiet,
// phases that start again.
#include "progress.h"

#include <gtest/gtest.h>

#include <sstream>

namespace hwnas::cli {
namespace {

TEST(Progress, LinesModePrintsEachTenthWithRateAndEta) {
  std::ostringstream err;
  double now = 0;
  Progress p(err, Progress::Mode::Lines, "trials", [&] { return now; });
  for (int done = 1; done <= 100; ++done) {
    now = done * 0.5;  // two trials a second after the first
    p.update(done, 100, "best x");
  }
  const std::string text = err.str();
  int lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_EQ(lines, 11) << text;  // the first, one per tenth, the last
  EXPECT_NE(text.find("[##########..........] 50/100 trials 2.00/s ETA 25s best x\n"), std::string::npos) << text;
  EXPECT_NE(text.find("[####################] 100/100 trials 2.00/s best x\n"), std::string::npos) << text;  // no ETA at the end
}

TEST(Progress, TerminalModeRedrawsInPlaceAndEndsTheLine) {
  std::ostringstream err;
  double now = 0;
  Progress p(err, Progress::Mode::Terminal, "steps", [&] { return now; });
  p.update(1, 4);
  now = 1;
  p.update(2, 4, "", 7.0);  // the caller's ETA wins
  now = 2;
  p.update(4, 4);
  const std::string text = err.str();
  EXPECT_EQ(text.find('\n'), text.size() - 1) << text;  // one line, ended once
  EXPECT_NE(text.find("\r[##########..........] 2/4 steps 1.00/s ETA 7.0s\033[K"), std::string::npos) << text;
  p.finish();  // idempotent
  EXPECT_EQ(err.str(), text);
}

TEST(Progress, QuietPrintsNothingAndANewPhaseStartsAgain) {
  std::ostringstream quiet;
  Progress q(quiet, Progress::Mode::Quiet, "x");
  q.update(5, 10);
  q.finish();
  EXPECT_EQ(quiet.str(), "");
  std::ostringstream err;
  double now = 0;
  Progress p(err, Progress::Mode::Lines, "networks", [&] { return now; });
  p.update(0, 10, "prior");
  now = 10;
  p.update(10, 10, "prior");
  p.update(0, 4, "sampled");  // a new total: the rate starts again
  now = 12;
  p.update(4, 4, "sampled");
  EXPECT_NE(err.str().find("4/4 networks 2.00/s sampled"), std::string::npos) << err.str();
  EXPECT_EQ(Progress::duration_text(185), "3m05s");
  EXPECT_EQ(Progress::duration_text(3720), "1h02m");
}

}  // namespace
}  // namespace hwnas::cli
