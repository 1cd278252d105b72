// The CLI's progress line (client/cli/progress_bar.h): layout at several widths, clamping, and
// that nothing is drawn when the error stream is not a terminal.
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

TEST(ProgressBarTest, DrawsNothingOffATerminal) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  {
    ProgressBar bar(file);
    bar.Update(1, 2);
    bar.Update(2, 2);
    bar.Clear();
  }
  EXPECT_EQ(std::ftell(file), 0L);
  std::fclose(file);
}

}  // namespace
}  // namespace engram::cli
