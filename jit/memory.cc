#include "jit/memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace ravel {
namespace jit {
namespace {

size_t PageBytes() {
  static const size_t page = [] {
    const long bytes = sysconf(_SC_PAGESIZE);
    return bytes > 0 ? static_cast<size_t>(bytes) : size_t{4096};
  }();
  return page;
}

const char* DumpDirectory() {
  static const char* dir = [] {
    const char* env = std::getenv("RAVEL_JIT_DUMP");
    return env != nullptr && env[0] != '\0' ? env : nullptr;
  }();
  return dir;
}

bool PerfMapEnabled() {
  static const bool enabled = [] {
    const char* env = std::getenv("RAVEL_JIT_PERFMAP");
    return env != nullptr && std::strcmp(env, "1") == 0;
  }();
  return enabled;
}

// A file name from a kernel name: letters, digits, '-' and '_'; anything else becomes '_'.
std::string FileSafe(const std::string& name) {
  std::string out = name;
  for (char& c : out) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
    if (!keep) {
      c = '_';
    }
  }
  return out;
}

// Writes the kernel's bytes to DIR/ravel-jit-PID-SEQ-NAME.bin (best effort, silent).
void Dump(const void* code, size_t size, const std::string& name) {
  const char* dir = DumpDirectory();
  if (dir == nullptr) {
    return;
  }
  static std::atomic<uint64_t> sequence{0};
  const std::string path = std::string(dir) + "/ravel-jit-" + std::to_string(getpid()) + "-" +
                           std::to_string(sequence.fetch_add(1)) + "-" + FileSafe(name) + ".bin";
  if (FILE* file = std::fopen(path.c_str(), "wb")) {
    std::fwrite(code, 1, size, file);
    std::fclose(file);
  }
}

// Appends "START SIZE NAME" (hex) to /tmp/perf-PID.map, which perf reads to name JIT code.
void AddToPerfMap(const void* code, size_t size, const std::string& name) {
  if (!PerfMapEnabled()) {
    return;
  }
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  const std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
  if (FILE* file = std::fopen(path.c_str(), "a")) {
    std::fprintf(file, "%llx %zx ravel-jit:%s\n",
                 static_cast<unsigned long long>(reinterpret_cast<uintptr_t>(code)), size,
                 name.c_str());
    std::fclose(file);
  }
}

}  // namespace

Code::Code(void* base, size_t mapped_bytes, size_t code_bytes, std::string name)
    : base_(base), mapped_bytes_(mapped_bytes), code_bytes_(code_bytes), name_(std::move(name)) {}

Code::~Code() { munmap(base_, mapped_bytes_); }

std::shared_ptr<const Code> MapCode(const uint8_t* code, size_t size, const std::string& name) {
  if (size == 0) {
    return nullptr;
  }
  const size_t page = PageBytes();
  const size_t mapped = (size + page - 1) / page * page;
  void* base = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    return nullptr;
  }
  std::memcpy(base, code, size);
  if (mprotect(base, mapped, PROT_READ | PROT_EXEC) != 0) {
    munmap(base, mapped);
    return nullptr;
  }
  std::shared_ptr<const Code> result;
  try {
    result = std::make_shared<const Code>(base, mapped, size, name);
  } catch (...) {
    munmap(base, mapped);
    return nullptr;
  }
  Dump(base, size, name);
  AddToPerfMap(base, size, name);
  return result;
}

}  // namespace jit
}  // namespace ravel
