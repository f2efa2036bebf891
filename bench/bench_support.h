// What the kernel benchmarks (proc, device, remote) share: their modules
// (bench/proc/*.wat, built into SHOAL_BENCH_PROC_DIR), timing, a file to
// read, and read_file.wat reading it through a process.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kernel/proc/kernel.h"

namespace shoal::bench {

using Clock = std::chrono::steady_clock;

inline std::vector<uint8_t> ReadModule(const std::string& name) {
  std::ifstream file(std::string(SHOAL_BENCH_PROC_DIR) + "/" + name + ".wasm", std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

inline double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A file "input" of `mib` MiB in a fresh directory, removed on destruction.
class BenchFile {
 public:
  explicit BenchFile(int mib) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "shoal_bench_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::exit(1);
    dir_ = tmpl;
    std::ofstream out(dir_ + "/input", std::ios::binary);
    std::vector<char> chunk(1 << 20);
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = char(i * 131);
    for (int i = 0; i < mib; ++i) out.write(chunk.data(), std::streamsize(chunk.size()));
  }
  ~BenchFile() { std::filesystem::remove_all(dir_); }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// MiB/s of read_file.wat reading `file` (of `mib` MiB) in 64 KiB fd_reads
// through /data: `dir` when it holds a directory (a proxy of another node's,
// say), else a preopen of the file's host directory. Exits on failure.
inline double WasmReadMiBps(kernel::Kernel& kernel, const BenchFile& file, int mib,
                            kernel::HandleEntry dir = {}) {
  kernel::SpawnRequest request;
  request.module_bytes = ReadModule("read_file");
  request.preopens.push_back(wasi::Preopen{file.dir(), "/data", std::move(dir)});
  auto start = Clock::now();
  auto status = kernel.Wait(kernel.Spawn(std::move(request)).value().pid);
  double s = Seconds(start);
  if (!status.ok() || status->code != 0) {
    std::fprintf(stderr, "read_file failed\n");
    std::exit(1);
  }
  return mib / s;
}

}  // namespace shoal::bench
