// `ravel bench`: times each case's copy against memcpy and a streaming copy of the same bytes,
// in the same process, after verifying it once against the independent reference.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/stream_copy.h"
#include "bench/timing.h"
#include "cases/run.h"
#include "command.h"

namespace ravel_tools {
namespace {

constexpr double kBytesPerGigabyte = 1e9;
constexpr double kBytesPerMebibyte = 1024.0 * 1024.0;
constexpr double kNanosecondsPerSecond = 1e9;
constexpr double kBytesMovedPerByteCopied = 2;  // each byte is read once and written once
constexpr double kWarmupSeconds = 0.01;
constexpr int64_t kMinSamples = 3;
constexpr size_t kMinCaseColumn = 4;

enum class Outcome { kOk, kUnsupported, kError };

struct BenchResult {
  Outcome outcome = Outcome::kOk;
  std::string message;  // why a case is unsupported, failed or mismatched
  int64_t bytes = 0;
  int64_t threads = 0;
  std::string backend;
  std::string isa;
  bool verified = false;
  ravel_bench::Measurement ravel;
  ravel_bench::Measurement memcpy_copy;
  ravel_bench::Measurement stream_copy;
};

double GigabytesPerSecond(int64_t bytes, double seconds) {
  if (bytes == 0 || seconds <= 0) {
    return 0;
  }
  return kBytesMovedPerByteCopied * static_cast<double>(bytes) / seconds / kBytesPerGigabyte;
}

// ravel's bandwidth over the better baseline's.
double Ratio(const BenchResult& result) {
  const double baseline =
      std::max(GigabytesPerSecond(result.bytes, result.memcpy_copy.median_seconds),
               GigabytesPerSecond(result.bytes, result.stream_copy.median_seconds));
  return baseline > 0 ? GigabytesPerSecond(result.bytes, result.ravel.median_seconds) / baseline
                      : 0;
}

std::string CpuModel() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.compare(0, std::string("model name").size(), "model name") == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        return line.substr(line.find_first_not_of(" \t", colon + 1));
      }
    }
  }
  return "unknown";
}

// Appends name to a '+'-joined list unless it is there already.
void AddName(std::string* names, const std::string& name) {
  if (("+" + *names + "+").find("+" + name + "+") == std::string::npos) {
    *names += (names->empty() ? "" : "+") + name;
  }
}

// Times a baseline copy of `bytes` bytes into the run's last buffer (or a buffer of its own if
// that one is smaller).
ravel_bench::Measurement MeasureBaseline(void (*copy)(void*, const void*, size_t), size_t bytes,
                                         const ravel_cases::AlignedBuffer& src, void* dst,
                                         const ravel_bench::MeasureOptions& options) {
  return ravel_bench::Measure([&] { copy(dst, src.data(), bytes); }, options);
}

BenchResult BenchCase(const ravel_cases::Case& c, const CommandLine& command_line) {
  BenchResult result;
  result.bytes = ravel_cases::CaseBytes(c);
  result.backend = BackendName(command_line.options.backend);
  result.threads = command_line.options.num_threads;
  std::vector<PlanHandle> plans;
  ravel_status status = CreateStagePlans(c, command_line.options, &plans);
  if (status != RAVEL_OK) {
    result.outcome = status == RAVEL_E_UNSUPPORTED ? Outcome::kUnsupported : Outcome::kError;
    result.message = std::string(ravel_status_string(status)) + ": " + ravel_last_error();
    return result;
  }
  result.backend.clear();
  for (const PlanHandle& plan : plans) {
    AddName(&result.backend, BackendName(ravel_plan_backend(plan.get())));
    AddName(&result.isa, ravel_isa_name(ravel_plan_isa(plan.get())));
    const std::string threads = DescriptionField(DescribePlan(plan.get()), "threads");
    if (!threads.empty()) {
      result.threads = std::max<int64_t>(result.threads, std::atoll(threads.c_str()));
    }
  }

  ravel_cases::CaseRun run;
  if (!ravel_cases::PrepareRun(c, &run, &result.message)) {
    result.outcome = Outcome::kError;
    return result;
  }
  status = ravel_cases::ExecuteRun(c, &command_line.options, &run);
  if (status != RAVEL_OK) {
    result.outcome = status == RAVEL_E_UNSUPPORTED ? Outcome::kUnsupported : Outcome::kError;
    result.message = std::string(ravel_status_string(status)) + ": " + ravel_last_error();
    return result;
  }
  result.verified = ravel_cases::VerifyRun(c, run, &result.message);

  ravel_bench::MeasureOptions options;
  options.warmup_seconds = kWarmupSeconds;
  options.min_samples = kMinSamples;
  options.min_seconds = command_line.min_seconds;
  options.max_seconds = command_line.max_seconds;
  result.ravel = ravel_bench::Measure(
      [&] { ravel_cases::ExecuteRun(c, &command_line.options, &run); }, options);

  if (result.bytes == 0) {
    return result;
  }
  const auto bytes = static_cast<size_t>(result.bytes);
  ravel_cases::AlignedBuffer baseline_src(bytes);
  ravel_cases::AlignedBuffer own_dst;
  uint8_t* baseline_dst = run.buffers.back().data();
  if (run.buffers.back().size() < bytes) {
    own_dst = ravel_cases::AlignedBuffer(bytes);
    baseline_dst = own_dst.data();
  }
  if (baseline_src.data() == nullptr || baseline_dst == nullptr) {
    result.outcome = Outcome::kError;
    result.message = "cannot allocate " + std::to_string(bytes) + " bytes for the baselines";
    return result;
  }
  ravel_cases::FillPattern(baseline_src.data(), bytes, ravel_cases::BufferSeed(0));
  ravel_cases::FillPattern(baseline_dst, bytes, ravel_cases::BufferSeed(1));
  result.memcpy_copy =
      MeasureBaseline(ravel_bench::MemcpyCopy, bytes, baseline_src, baseline_dst, options);
  result.stream_copy =
      MeasureBaseline(ravel_bench::StreamCopy, bytes, baseline_src, baseline_dst, options);
  return result;
}

std::string JsonString(const std::string& text) {
  constexpr unsigned char kFirstPrintable = 0x20;
  std::string json = "\"";
  for (const char ch : text) {
    if (ch == '"' || ch == '\\') {
      json += '\\';
      json += ch;
    } else if (static_cast<unsigned char>(ch) < kFirstPrintable) {
      char escaped[sizeof("\\u0000")];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(ch));
      json += escaped;
    } else {
      json += ch;
    }
  }
  return json + "\"";
}

const char* OutcomeName(const BenchResult& result) {
  switch (result.outcome) {
    case Outcome::kOk:
      return result.verified ? "ok" : "mismatch";
    case Outcome::kUnsupported:
      return "unsupported";
    case Outcome::kError:
      break;
  }
  return "error";
}

void PrintJson(const ravel_cases::Case& c, const BenchResult& result) {
  const double seconds = result.ravel.median_seconds;
  std::printf(
      "{\"case\": %s, \"status\": \"%s\", \"bytes\": %lld, \"threads\": %lld, \"backend\": %s, "
      "\"isa\": %s, \"seconds\": %.9g, \"gbps\": %.6g, \"memcpy_gbps\": %.6g, "
      "\"stream_gbps\": %.6g, \"ratio\": %.6g, \"ns_per_call\": %.6g, \"samples\": %lld, "
      "\"verified\": %s",
      JsonString(c.text).c_str(), OutcomeName(result), static_cast<long long>(result.bytes),
      static_cast<long long>(result.threads), JsonString(result.backend).c_str(),
      JsonString(result.isa).c_str(), seconds, GigabytesPerSecond(result.bytes, seconds),
      GigabytesPerSecond(result.bytes, result.memcpy_copy.median_seconds),
      GigabytesPerSecond(result.bytes, result.stream_copy.median_seconds), Ratio(result),
      seconds * kNanosecondsPerSecond, static_cast<long long>(result.ravel.samples),
      result.verified ? "true" : "false");
  if (!result.message.empty()) {
    std::printf(", \"error\": %s", JsonString(result.message).c_str());
  }
  std::printf("}\n");
}

void PrintRowEnd(const BenchResult& result) {
  if (result.outcome != Outcome::kOk) {
    std::printf(" %s: %s\n", OutcomeName(result), result.message.c_str());
    return;
  }
  const double seconds = result.ravel.median_seconds;
  const std::string plan = result.backend + "/" + result.isa;
  std::printf(" %9.2f %8.2f %8.2f %8.2f %6.2f %12.1f  %-16s %s\n",
              static_cast<double>(result.bytes) / kBytesPerMebibyte,
              GigabytesPerSecond(result.bytes, seconds),
              GigabytesPerSecond(result.bytes, result.memcpy_copy.median_seconds),
              GigabytesPerSecond(result.bytes, result.stream_copy.median_seconds), Ratio(result),
              seconds * kNanosecondsPerSecond, plan.c_str(),
              result.verified ? "yes" : ("NO: " + result.message).c_str());
}

}  // namespace

int BenchCommand(const std::vector<std::string>& args) {
  CommandLine command_line;
  int exit_code = kExitSuccess;
  if (!ParseOrExit("bench", args, /*bench_flags=*/true, &command_line, &exit_code)) {
    return exit_code;
  }
  const auto start = std::chrono::steady_clock::now();
  const int32_t threads = command_line.options.num_threads;
  const std::string thread_text =
      threads == 0 ? "default (" + std::to_string(std::thread::hardware_concurrency()) + " cores)"
                   : std::to_string(threads);
  // The header goes to stdout above a table, to stderr beside JSON lines.
  FILE* header = command_line.json ? stderr : stdout;
  std::fprintf(header,
               "# ravel %s | cpu: %s | threads: %s | backend: %s | stream copy: %s | timing: "
               "median of >= %lld runs and >= %g s, <= %g s a copy\n",
               ravel_version(), CpuModel().c_str(), thread_text.c_str(),
               BackendName(command_line.options.backend), ravel_bench::StreamCopyVariant(),
               static_cast<long long>(kMinSamples), command_line.min_seconds,
               command_line.max_seconds);
  std::fprintf(header,
               "# GB/s = 2 x bytes / seconds; memcpy and stream copy the same bytes on 1 thread; "
               "ratio = GB/s / max(memcpy, stream)\n");
  size_t case_column = kMinCaseColumn;
  for (const ravel_cases::Case& c : command_line.cases) {
    case_column = std::max(case_column, c.text.size());
  }
  const int width = static_cast<int>(case_column);
  if (!command_line.json) {
    std::printf("%-*s %9s %8s %8s %8s %6s %12s  %-16s %s\n", width, "case", "MiB", "GB/s", "memcpy",
                "stream", "ratio", "ns/call", "backend/isa", "verified");
  }
  std::fflush(header);

  size_t failures = 0;
  size_t unsupported = 0;
  const size_t count = command_line.cases.size();
  for (size_t i = 0; i < count; ++i) {
    const ravel_cases::Case& c = command_line.cases[i];
    if (command_line.json) {
      std::fprintf(stderr, "[%zu/%zu] %s\n", i + 1, count, c.text.c_str());
    } else {
      std::printf("%-*s", width, c.text.c_str());
      std::fflush(stdout);
    }
    const BenchResult result = BenchCase(c, command_line);
    if (command_line.json) {
      PrintJson(c, result);
    } else {
      PrintRowEnd(result);
    }
    std::fflush(stdout);
    if (result.outcome == Outcome::kUnsupported) {
      ++unsupported;
    } else if (result.outcome == Outcome::kError || !result.verified) {
      ++failures;
      exit_code = kExitFailure;
    }
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(header, "# %zu cases in %.1f s: %zu verified, %zu failed, %zu unsupported\n", count,
               elapsed, count - failures - unsupported, failures, unsupported);
  return exit_code;
}

}  // namespace ravel_tools
