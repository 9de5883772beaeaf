// support/GuardedMemory: the whole block is usable, and the first byte past
// the guarded side faults (checked in a child process, which must die of
// SIGSEGV), so the GEMM tests' guarded runs can fail.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "support/GuardedMemory.h"

using namespace ingot;

namespace {

// Runs `touch` in a child; returns the signal that ended it, or 0 when it exited.
template <typename F>
int signalOf(F touch) {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    touch();
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

}  // namespace

TEST_CASE("guarded blocks: every byte is usable, the next one past the guarded side faults") {
  for (uint64_t bytes : {uint64_t{1}, uint64_t{12}, uint64_t{4096}, uint64_t{5000}}) {
    INFO(bytes << " bytes");
    auto after = GuardedBytes::create(bytes, GuardSide::After);
    auto before = GuardedBytes::create(bytes, GuardSide::Before);
    REQUIRE(after.ok());
    REQUIRE(before.ok());
    std::memset(after->data(), 0x5a, bytes);
    std::memset(before->data(), 0xa5, bytes);
    CHECK(static_cast<unsigned char>(after->data()[bytes - 1]) == 0x5a);
    CHECK(after->size() == bytes);
    volatile std::byte* pastEnd = after->data() + bytes;
    volatile std::byte* beforeStart = before->data() - 1;
    CHECK(signalOf([&] { *pastEnd = std::byte{1}; }) == SIGSEGV);
    CHECK(signalOf([&] { (void)*beforeStart; }) == SIGSEGV);
    CHECK(signalOf([&] { (void)after->data()[0]; }) == 0);
  }
  auto empty = GuardedBytes::create(0, GuardSide::After);
  REQUIRE(empty.ok());
  CHECK(empty->size() == 0);
  auto moved = std::move(*empty);
  CHECK(moved.size() == 0);
  CHECK_FALSE(GuardedBytes::create(uint64_t{1} << 60, GuardSide::After).ok());
}
