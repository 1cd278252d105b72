// The CLI's progress lines (client/cli/progress_bar.h), of tokens and of a script's statements:
// layout at several widths, clamping, the times, and that nothing is drawn when the error stream
// is not a terminal.
#include "client/cli/progress_bar.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace engram::cli {
namespace {

TEST(ProgressLineTest, BarPercentAndGroupedCounts) {
  EXPECT_EQ(ProgressLine(45012, 86508, 100),
            "encoding [####################--------------------]  52%  45,012 / 86,508 tokens");
  EXPECT_EQ(ProgressLine(0, 999, 100),
            "encoding [----------------------------------------]   0%    0 / 999 tokens");
  EXPECT_EQ(ProgressLine(1234567, 1234567, 100),
            "encoding [########################################] 100%  1,234,567 / 1,234,567 "
            "tokens");
  // Past the total is clamped; an empty total is complete.
  EXPECT_EQ(ProgressLine(12, 10, 100), ProgressLine(10, 10, 100));
  EXPECT_EQ(ProgressLine(0, 0, 60).find("100%") != std::string::npos, true);
}

TEST(ProgressLineTest, ShrinksToTheWidth) {
  for (std::size_t width = 20; width <= 120; ++width) {
    const std::string line = ProgressLine(500, 1000, width);
    EXPECT_LE(line.size(), std::max<std::size_t>(width, 32)) << width;
    EXPECT_NE(line.find(" 50%    500 / 1,000 tokens"), std::string::npos) << line;
  }
  // Too narrow for a bar: the numbers alone.
  EXPECT_EQ(ProgressLine(500, 1000, 30), " 50%    500 / 1,000 tokens");
}

TEST(StatementProgressLineTest, CountsPercentElapsedAndEta) {
  // 400 statements in 40 s: 0.1 s each, so 600 more take a minute.
  EXPECT_EQ(StatementProgressLine(400, 1000, 40.0, 120),
            "running [################------------------------]  40%    400 / 1,000 statements  "
            "0:40 elapsed  ETA 1:00");
  // Nothing done yet: no rate to go by.
  EXPECT_EQ(StatementProgressLine(0, 1000, 0.2, 120),
            "running [----------------------------------------]   0%      0 / 1,000 statements  "
            "0:00 elapsed  ETA -:--");
  EXPECT_EQ(StatementProgressLine(1000, 1000, 100.0, 120),
            "running [########################################] 100%  1,000 / 1,000 statements  "
            "1:40 elapsed  ETA 0:00");
  EXPECT_EQ(StatementProgressLine(2, 3, 7200.0, 120),
            "running [##########################--------------]  66%  2 / 3 statements  2:00:00 "
            "elapsed  ETA 1:00:00");
  // Past the total is clamped.
  EXPECT_EQ(StatementProgressLine(1200, 1000, 100.0, 120),
            StatementProgressLine(1000, 1000, 100.0, 120));
}

TEST(StatementProgressLineTest, ShrinksToTheWidth) {
  for (std::size_t width = 20; width <= 140; ++width) {
    const std::string line = StatementProgressLine(400, 1000, 40.0, width);
    EXPECT_LE(line.size(), std::max<std::size_t>(width, 30)) << width;
    EXPECT_NE(line.find(" 40%    400 / 1,000 statements"), std::string::npos) << line;
  }
  // Too narrow for a bar: the numbers and times; narrower still: the numbers alone.
  EXPECT_EQ(StatementProgressLine(400, 1000, 40.0, 70),
            " 40%    400 / 1,000 statements  0:40 elapsed  ETA 1:00");
  EXPECT_EQ(StatementProgressLine(400, 1000, 40.0, 50), " 40%    400 / 1,000 statements");
}

TEST(FormatDurationTest, MinutesAndSecondsThenHours) {
  EXPECT_EQ(FormatDuration(0), "0:00");
  EXPECT_EQ(FormatDuration(-3), "0:00");
  EXPECT_EQ(FormatDuration(7.4), "0:07");
  EXPECT_EQ(FormatDuration(59.6), "1:00");
  EXPECT_EQ(FormatDuration(754), "12:34");
  EXPECT_EQ(FormatDuration(3723), "1:02:03");
}

TEST(ProgressBarTest, DrawsNothingOffATerminal) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    ProgressBar bar(file);
    EXPECT_FALSE(bar.enabled());
    bar.Update(1, 2);
    bar.Update(2, 2);
    bar.UpdateStatements(1, 1000, 0.1);
    bar.UpdateStatements(1000, 1000, 100.0);
    bar.Clear();
  }
  EXPECT_EQ(std::ftell(file), 0L);
  std::fclose(file);
}

}  // namespace
}  // namespace engram::cli
