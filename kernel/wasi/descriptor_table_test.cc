#include "kernel/wasi/descriptor_table.h"

#include <gtest/gtest.h>

#include "kernel/wasi/stdio_stream.h"

namespace shoal::wasi {
namespace {

using kernel::HandleTable;
using kernel::HandleValue;

// An output stream over a fresh Console, with WASI rights `rights`.
Descriptor Stream(Rights rights) {
  auto console = std::move(kernel::Console::Create()).value();
  auto output = std::make_shared<ConsoleOutput>(std::move(console), nullptr);
  return Descriptor{StdioStream::ForOutput(std::move(output)), rights, 0, ""};
}

TEST(DescriptorTable, InsertTakesTheLowestFreeNumber) {
  HandleTable handles;
  DescriptorTable t(handles);
  EXPECT_EQ(t.Insert(Stream(0)).value(), 0u);
  EXPECT_EQ(t.Insert(Stream(0)).value(), 1u);
  EXPECT_EQ(t.Insert(Stream(0)).value(), 2u);
  EXPECT_EQ(t.Close(1), Errno::kSuccess);
  EXPECT_EQ(t.Insert(Stream(0)).value(), 1u);
}

TEST(DescriptorTable, EveryDescriptorHoldsAHandleToItsObject) {
  HandleTable handles;
  DescriptorTable t(handles);
  Descriptor stream = Stream(kRightFdWrite);
  kernel::Ref<kernel::KernelObject> object = stream.object->kernel_object();
  uint32_t fd = t.Insert(std::move(stream)).value();
  EXPECT_EQ(handles.size(), 1u);
  HandleValue h = t.Get(fd).value()->handle;
  kernel::HandleEntry entry = handles.GetEntry(h, kernel::Rights::kNone).value();
  EXPECT_EQ(entry.object, object);
  // fd_write is a write-class right: the handle can write, and not read.
  EXPECT_TRUE(kernel::Contains(entry.rights, kernel::Rights::kWrite));
  EXPECT_FALSE(kernel::Contains(entry.rights, kernel::Rights::kRead));
}

TEST(DescriptorTable, BadDescriptorWinsOverMissingRights) {
  HandleTable handles;
  DescriptorTable t(handles);
  ASSERT_TRUE(t.InsertAt(3, Stream(kRightFdRead)).ok());
  EXPECT_EQ(t.Get(4, kRightFdWrite).error(), Errno::kBadf);
  EXPECT_EQ(t.Get(3, kRightFdWrite).error(), Errno::kNotcapable);
  EXPECT_TRUE(t.Get(3, kRightFdRead).ok());
  EXPECT_EQ(t.InsertAt(3, Stream(0)).error(), Errno::kInval);  // Open already.
}

TEST(DescriptorTable, ClosingTheDescriptorClosesItsHandle) {
  HandleTable handles;
  DescriptorTable t(handles);
  uint32_t fd = t.Insert(Stream(kRightFdWrite)).value();
  HandleValue h = t.Get(fd).value()->handle;
  EXPECT_EQ(t.Close(fd), Errno::kSuccess);
  EXPECT_EQ(handles.size(), 0u);
  EXPECT_EQ(handles.GetEntry(h, kernel::Rights::kNone).error().status, Status::kBadHandle);
  EXPECT_EQ(t.Close(fd), Errno::kBadf);
}

TEST(DescriptorTable, ClosingTheHandleEndsTheDescriptor) {
  HandleTable handles;
  DescriptorTable t(handles);
  uint32_t fd = t.Insert(Stream(kRightFdWrite)).value();
  ASSERT_TRUE(handles.Close(t.Get(fd).value()->handle).ok());
  EXPECT_EQ(t.Get(fd).error(), Errno::kBadf);
  EXPECT_EQ(t.Close(fd), Errno::kBadf);
  // Its number is free again.
  EXPECT_EQ(t.Insert(Stream(0)).value(), fd);
}

TEST(DescriptorTable, ReplacingOrTakingTheHandleEndsTheDescriptor) {
  HandleTable handles;
  DescriptorTable t(handles);
  uint32_t replaced = t.Insert(Stream(kRightFdWrite)).value();
  uint32_t taken = t.Insert(Stream(kRightFdWrite)).value();
  ASSERT_TRUE(handles.Replace(t.Get(replaced).value()->handle, kernel::Rights::kWait).ok());
  // As a channel write does with a handle it sends.
  ASSERT_TRUE(handles.Take(t.Get(taken).value()->handle, kernel::Rights::kNone).ok());
  EXPECT_EQ(t.Get(replaced).error(), Errno::kBadf);
  EXPECT_EQ(t.Get(taken).error(), Errno::kBadf);
  EXPECT_EQ(t.Renumber(replaced, taken), Errno::kBadf);
}

TEST(DescriptorTable, RenumberKeepsTheHandleAndClosesTheTargets) {
  HandleTable handles;
  DescriptorTable t(handles);
  ASSERT_TRUE(t.InsertAt(3, Stream(kRightFdRead)).ok());
  ASSERT_TRUE(t.InsertAt(4, Stream(kRightFdWrite)).ok());
  HandleValue moved = t.Get(3).value()->handle;
  HandleValue overwritten = t.Get(4).value()->handle;
  EXPECT_EQ(t.Renumber(3, 4), Errno::kSuccess);
  EXPECT_EQ(t.Get(3).error(), Errno::kBadf);
  EXPECT_TRUE(t.Get(4, kRightFdRead).ok());
  EXPECT_EQ(t.Get(4).value()->handle, moved);
  EXPECT_FALSE(handles.GetEntry(overwritten, kernel::Rights::kNone).ok());
  EXPECT_EQ(handles.size(), 1u);
  EXPECT_EQ(t.Renumber(3, 4), Errno::kBadf);
  EXPECT_EQ(t.Renumber(4, 9), Errno::kBadf);
  EXPECT_EQ(t.size(), 1u);
}

TEST(DescriptorTable, AnAdoptedHandleCapsTheWasiRights) {
  HandleTable handles;
  DescriptorTable t(handles);
  Descriptor stream = Stream(kRightFdRead | kRightFdWrite | kRightFdSeek | kRightFdSync);
  HandleValue h = handles.Add(stream.object->kernel_object(), kernel::Rights::kRead).value();
  uint32_t fd = t.Adopt(h, std::move(stream)).value();
  Descriptor* d = t.Get(fd).value();
  EXPECT_EQ(d->handle, h);
  EXPECT_EQ(d->rights_base, kRightFdRead | kRightFdSeek);
  EXPECT_EQ(t.Get(fd, kRightFdWrite).error(), Errno::kNotcapable);
  // Adopting it again names the same descriptor.
  EXPECT_EQ(t.Adopt(h, Stream(kRightFdRead)).error(), Errno::kBadf);  // Another object.
  Descriptor again{d->object, kRightFdRead, 0, ""};
  EXPECT_EQ(t.Adopt(h, std::move(again)).value(), fd);
  EXPECT_EQ(t.size(), 1u);
}

TEST(DescriptorTable, AFullHandleTableLeavesNothingBehind) {
  HandleTable handles(2);
  DescriptorTable t(handles);
  ASSERT_TRUE(t.Insert(Stream(kRightFdWrite)).ok());
  ASSERT_TRUE(t.Insert(Stream(kRightFdWrite)).ok());
  EXPECT_EQ(t.Insert(Stream(kRightFdWrite)).error(), Errno::kMfile);
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(handles.size(), 2u);
}

}  // namespace
}  // namespace shoal::wasi
