// `ravel asm`: the JIT code of each case's stages, disassembled by binutils' objdump. The library
// hands the tool the bytes through its RAVEL_JIT_DUMP hook: the tool points it at a temporary
// directory before the first plan of the process is built (the library reads it once, when it
// maps its first code) and builds the plans with the JIT backend forced.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "command.h"

extern char** environ;

namespace ravel_tools {
namespace {

namespace fs = std::filesystem;

// The line objdump prints just before the first instruction of a raw binary.
constexpr std::string_view kDisassemblyStart = "<.data>:";

// A fresh directory under $TMPDIR (else /tmp), removed with its files on destruction.
class TempDirectory {
 public:
  TempDirectory() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && tmp[0] != '\0' ? tmp : "/tmp") + "/ravel-asm-XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) {
      path_ = pattern;
    }
  }
  ~TempDirectory() {
    if (!path_.empty()) {
      std::error_code ignored;
      fs::remove_all(path_, ignored);
    }
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;

  // "" if the directory could not be created.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The name the library gives a kernel's code and its dump file: the plan's kernel without the
// tile ("x32-transpose-8x8-avx2 tile 1024x16" -> "x32-transpose-8x8-avx2").
std::string CodeName(const std::string& kernel) { return kernel.substr(0, kernel.find(' ')); }

// True when file is the dump of the code named name (DIR/ravel-jit-PID-SEQ-NAME.bin).
bool IsDumpOf(const fs::path& file, const std::string& name) {
  const std::string file_name = file.filename().string();
  const std::string suffix = "-" + name + ".bin";
  return file_name.size() >= suffix.size() &&
         file_name.compare(file_name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The dump files in dir other than `known`.
std::vector<fs::path> NewFiles(const std::string& dir, const fs::path& known) {
  std::vector<fs::path> files;
  std::error_code error;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, error)) {
    if (entry.path() != known) {
      files.push_back(entry.path());
    }
  }
  return files;
}

enum class ObjdumpOutcome { kOk, kMissing, kFailed };

// Prints objdump's Intel-syntax disassembly of the raw x86-64 code in file, from its first
// instruction on. Arguments go to objdump directly (no shell).
ObjdumpOutcome PrintDisassembly(const std::string& file) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) {
    return ObjdumpOutcome::kFailed;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  std::vector<std::string> argv_text = {"objdump",     "-D", "-b",    "binary", "-m",
                                        "i386:x86-64", "-M", "intel", file};
  std::vector<char*> argv;
  for (std::string& arg : argv_text) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawn_error = posix_spawnp(&pid, "objdump", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawn_error != 0) {
    close(pipe_fds[0]);
    return spawn_error == ENOENT ? ObjdumpOutcome::kMissing : ObjdumpOutcome::kFailed;
  }
  std::string output;
  char buffer[4096];
  ssize_t count = 0;
  while ((count = read(pipe_fds[0], buffer, sizeof(buffer))) != 0) {
    if (count < 0 && errno != EINTR) {
      break;
    }
    if (count > 0) {
      output.append(buffer, static_cast<size_t>(count));
    }
  }
  close(pipe_fds[0]);
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    return ObjdumpOutcome::kFailed;
  }
  const size_t header_end = output.find(kDisassemblyStart);
  const size_t start = header_end == std::string::npos ? 0 : output.find('\n', header_end) + 1;
  std::fwrite(output.data() + start, 1, output.size() - start, stdout);
  return ObjdumpOutcome::kOk;
}

// Prints "ravel asm: CASE: message" for a case the JIT cannot show.
void CaseFailure(const ravel_cases::Case& c, const std::string& message) {
  std::fflush(stdout);
  std::fprintf(stderr, "ravel asm: %s: %s\n", c.text.c_str(), message.c_str());
}

enum class StageOutcome { kPrinted, kCaseFailed, kFatal };

// Plans stage k of c with the JIT forced, finds its code among the dumps in dump_dir (*last_code:
// the newest dump, which the one-entry JIT cache holds) and prints its header and disassembly.
StageOutcome PrintStage(const ravel_cases::Case& c, size_t k, const ravel_options& options,
                        const std::string& dump_dir, fs::path* last_code) {
  const ravel_cases::Stage& stage = c.stages[k];
  const ravel_layout src = ravel_view_layout(&stage.src);
  const ravel_layout dst = ravel_view_layout(&stage.dst);
  ravel_plan raw_plan = nullptr;
  const ravel_status status = ravel_plan_create(&src, &dst, &options, &raw_plan);
  if (status != RAVEL_OK) {
    CaseFailure(c, std::string(ravel_status_string(status)) + ": " + ravel_last_error());
    return StageOutcome::kCaseFailed;
  }
  const PlanHandle plan(raw_plan, ravel_plan_destroy);
  const std::string description = DescribePlan(plan.get());
  const std::string kernel = DescriptionField(description, "kernel");
  const int32_t backend = ravel_plan_backend(plan.get());
  if (backend != RAVEL_BACKEND_JIT) {
    CaseFailure(c, "the JIT generated no code (family: " + DescriptionField(description, "family") +
                       "; kernel: " + kernel + "; backend: " + BackendName(backend) + ")");
    return StageOutcome::kCaseFailed;
  }
  const std::vector<fs::path> fresh = NewFiles(dump_dir, *last_code);
  if (fresh.size() == 1) {
    std::error_code ignored;
    fs::remove(*last_code, ignored);
    *last_code = fresh.front();
  }
  if (fresh.size() > 1 || !IsDumpOf(*last_code, CodeName(kernel))) {
    CaseFailure(c, "the code of " + kernel + " was not dumped to " + dump_dir);
    return StageOutcome::kFatal;
  }
  std::error_code size_error;
  const uintmax_t bytes = fs::file_size(*last_code, size_error);
  const std::string stage_label =
      c.stages.size() > 1 ? "stage " + std::to_string(k + 1) + ": " : "";
  std::printf("== %s%s (%ju bytes)\n", stage_label.c_str(), kernel.c_str(), bytes);
  std::fflush(stdout);
  switch (PrintDisassembly(last_code->string())) {
    case ObjdumpOutcome::kOk:
      return StageOutcome::kPrinted;
    case ObjdumpOutcome::kMissing:
      std::fprintf(stderr,
                   "ravel asm: objdump not found on PATH; install binutils (Debian: apt-get "
                   "install binutils)\n");
      return StageOutcome::kFatal;
    case ObjdumpOutcome::kFailed:
      break;
  }
  std::fprintf(stderr, "ravel asm: objdump failed on %s\n", last_code->c_str());
  return StageOutcome::kFatal;
}

}  // namespace

int AsmCommand(const std::vector<std::string>& args) {
  CommandLine command_line;
  int exit_code = kExitSuccess;
  if (!ParseOrExit("asm", args, /*bench_flags=*/false, &command_line, &exit_code)) {
    return exit_code;
  }
  if (command_line.options.backend != RAVEL_BACKEND_AUTO &&
      command_line.options.backend != RAVEL_BACKEND_JIT) {
    std::fprintf(stderr,
                 "ravel asm: --backend %s: asm shows the JIT's code, so takes jit only\n"
                 "Run 'ravel --help' for usage.\n",
                 BackendName(command_line.options.backend));
    return kExitUsage;
  }
  command_line.options.backend = RAVEL_BACKEND_JIT;
  const TempDirectory dump;
  if (dump.path().empty()) {
    std::fprintf(stderr, "ravel asm: cannot create a temporary directory: %s\n",
                 std::strerror(errno));
    return kExitFailure;
  }
  // No plan was built yet in this process, so the library has not read these. With one cache
  // entry, a JIT plan that dumps no file has the code of the last one that did.
  setenv("RAVEL_JIT_DUMP", dump.path().c_str(), 1);
  setenv("RAVEL_JIT_CACHE_ENTRIES", "1", 1);
  fs::path last_code;
  for (const ravel_cases::Case& c : command_line.cases) {
    std::printf("case: %s\n", c.text.c_str());
    for (size_t k = 0; k < c.stages.size(); ++k) {
      const StageOutcome outcome = PrintStage(c, k, command_line.options, dump.path(), &last_code);
      if (outcome == StageOutcome::kFatal) {
        return kExitFailure;
      }
      if (outcome == StageOutcome::kCaseFailed) {
        exit_code = kExitFailure;
        break;
      }
    }
  }
  return exit_code;
}

}  // namespace ravel_tools
