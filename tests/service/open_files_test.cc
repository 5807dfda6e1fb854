#include "service/open_files.h"

#include <sys/resource.h>

#include "gtest/gtest.h"

namespace candor::service {
namespace {

TEST(OpenFilesTest, TheSoftLimitIsRaisedToTheHardOne) {
  rlimit files{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &files), 0);
  if (files.rlim_max < 64) GTEST_SKIP() << "a hard limit too low to lower the soft one";
  rlimit lowered = files;
  lowered.rlim_cur = 32;  // as a shell with `ulimit -Sn 32` would start it
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  EXPECT_EQ(RaiseOpenFileLimit(), files.rlim_max);
  rlimit now{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, files.rlim_max);
  EXPECT_EQ(RaiseOpenFileLimit(), files.rlim_max);  // already raised: unchanged
}

}  // namespace
}  // namespace candor::service
