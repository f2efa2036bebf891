#include "kernel/base/result.h"

#include <gtest/gtest.h>

#include <memory>

namespace shoal {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return MakeError(Status::kInvalidArgs, "not positive");
  return v;
}

Result<int> DoubledPositive(int v) {
  int x = TRY(ParsePositive(v));
  return 2 * x;
}

VoidResult CheckPositive(int v) {
  TRY(ParsePositive(v));
  return Ok();
}

TEST(ResultTest, TryPassesValuesThrough) {
  Result<int> r = DoubledPositive(21);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
}

TEST(ResultTest, TryPropagatesTheFirstError) {
  Result<int> r = DoubledPositive(-1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, Status::kInvalidArgs);
  EXPECT_EQ(r.error().message, "not positive");
}

TEST(ResultTest, VoidResultCarriesErrors) {
  EXPECT_TRUE(CheckPositive(3).ok());
  VoidResult r = CheckPositive(0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status, Status::kInvalidArgs);
}

TEST(ResultTest, MoveOnlyValuesAreSupported) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(StatusTest, NamesAreStable) {
  EXPECT_EQ(StatusName(Status::kBadHandle), "bad handle");
  EXPECT_EQ(StatusName(Status::kTrap), "trap");
}

}  // namespace
}  // namespace shoal
