// placeholder, replaced below
#include <gtest/gtest.h>
TEST(ShoalCli, Placeholder) { EXPECT_TRUE(true); }
