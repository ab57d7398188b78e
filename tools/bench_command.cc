// `ravel bench`: times each case's copy against memcpy and a streaming copy of the same bytes on
// the same number of threads, in the same process, after verifying it once against the
// independent reference. With --peers, the same case goes to every peer library installed (oneDNN,
// ATen, Eigen in this process; numpy and PyTorch through tools/peers.py), whose output must equal
// ravel's byte for byte. --threads takes a list (a sweep) and --isa all runs every backend and ISA
// this machine has.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/peers/peer.h"
#include "bench/stream_copy.h"
#include "bench/thread_pool.h"
#include "bench/timing.h"
#include "cases/run.h"
#include "command.h"
#include "python_peers.h"

namespace ravel_tools {
namespace {

constexpr double kBytesPerGigabyte = 1e9;
constexpr double kBytesPerMebibyte = 1024.0 * 1024.0;
constexpr double kNanosecondsPerSecond = 1e9;
constexpr double kBytesMovedPerByteCopied = 2;  // each byte is read once and written once
constexpr double kWarmupSeconds = 0.01;
constexpr int64_t kMinSamples = 3;
constexpr size_t kMinCaseColumn = 4;
// Cases this small also get latency rows (per-call ns of plans, primitive creation, ...).
constexpr int64_t kLatencyBytes = 64 * 1024;

enum class Outcome { kOk, kMismatch, kNotApplicable, kUnsupported, kNotInstalled, kError };

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "ok";
    case Outcome::kMismatch:
      return "mismatch";
    case Outcome::kNotApplicable:
      return "n/a";
    case Outcome::kUnsupported:
      return "unsupported";
    case Outcome::kNotInstalled:
      return "not installed";
    case Outcome::kError:
      break;
  }
  return "error";
}

// One implementation's result on one case: ravel under one backend/ISA, or a peer.
struct ImplResult {
  std::string impl;    // "ravel", "onednn", "aten", "eigen", "numpy", "torch"
  std::string config;  // ravel's configuration with --isa all ("jit", "hwy/avx2", ...), else ""
  std::string backend;
  std::string isa;
  Outcome outcome = Outcome::kOk;
  std::string message;  // why it is n/a, unsupported, failed or mismatched
  ravel_bench::Measurement time;
  std::vector<std::pair<std::string, double>> latency_ns;  // extra per-call probes
};

struct CaseResult {
  int64_t bytes = 0;
  int64_t threads = 0;  // the thread count everything ran with
  ravel_bench::Measurement memcpy_copy;
  ravel_bench::Measurement stream_copy;
  std::vector<ImplResult> impls;
};

// ravel's configurations in one run: the command line's, or with --isa all the JIT and every ISA
// this machine runs.
struct RavelConfig {
  ravel_options options;
  std::string label;
};

struct Peers {
  std::vector<std::unique_ptr<ravel_peers::Peer>> installed;
  std::vector<std::string> missing;  // "name (package)"
  PythonProbe python;
  bool python_available() const {
    return std::any_of(python.libraries.begin(), python.libraries.end(),
                       [](const PythonLibrary& library) { return !library.version.empty(); });
  }
};

double GigabytesPerSecond(int64_t bytes, double seconds) {
  if (bytes == 0 || seconds <= 0) {
    return 0;
  }
  return kBytesMovedPerByteCopied * static_cast<double>(bytes) / seconds / kBytesPerGigabyte;
}

// The same-run copy limit: the better of memcpy and the streaming copy on the same threads.
double LimitGbps(const CaseResult& result) {
  return std::max(GigabytesPerSecond(result.bytes, result.memcpy_copy.median_seconds),
                  GigabytesPerSecond(result.bytes, result.stream_copy.median_seconds));
}

double Gbps(const CaseResult& result, const ImplResult& impl) {
  return impl.outcome == Outcome::kOk ? GigabytesPerSecond(result.bytes, impl.time.median_seconds)
                                      : 0;
}

double Ratio(const CaseResult& result, const ImplResult& impl) {
  const double limit = LimitGbps(result);
  return limit > 0 ? Gbps(result, impl) / limit : 0;
}

// The fastest verified peer, or nullptr.
const ImplResult* BestPeer(const CaseResult& result) {
  const ImplResult* best = nullptr;
  for (const ImplResult& impl : result.impls) {
    if (impl.impl != "ravel" && impl.outcome == Outcome::kOk && impl.time.median_seconds > 0 &&
        (best == nullptr || impl.time.median_seconds < best->time.median_seconds)) {
      best = &impl;
    }
  }
  return best;
}

// ravel's time over the best peer's (> 1: ravel is faster), or 0.
double SpeedupOverBestPeer(const CaseResult& result, const ImplResult& ravel) {
  const ImplResult* best = BestPeer(result);
  if (best == nullptr || ravel.outcome != Outcome::kOk || ravel.time.median_seconds <= 0) {
    return 0;
  }
  return best->time.median_seconds / ravel.time.median_seconds;
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

// Refills every buffer of a run with its initial pattern.
void ResetRun(ravel_cases::CaseRun* run) {
  for (size_t k = 0; k < run->buffers.size(); ++k) {
    ravel_cases::FillPattern(run->buffers[k].data(), run->buffers[k].size(),
                             ravel_cases::BufferSeed(k));
  }
}

// Whether two runs hold the same bytes in every buffer; else *error names the first difference.
bool SameBytes(const ravel_cases::CaseRun& a, const ravel_cases::CaseRun& b, std::string* error) {
  for (size_t k = 0; k < a.buffers.size(); ++k) {
    const size_t bytes = a.buffers[k].size();
    if (std::memcmp(a.buffers[k].data(), b.buffers[k].data(), bytes) == 0) {
      continue;
    }
    size_t first = 0;
    while (a.buffers[k].data()[first] == b.buffers[k].data()[first]) {
      ++first;
    }
    *error =
        "buffer " + std::to_string(k) + " differs from ravel's at byte " + std::to_string(first);
    return false;
  }
  return true;
}

std::vector<RavelConfig> RavelConfigs(const CommandLine& command_line) {
  if (!command_line.all_isas) {
    RavelConfig config{command_line.options, ""};
    return {config};
  }
  std::vector<RavelConfig> configs;
  RavelConfig jit{command_line.options, "jit"};
  jit.options.backend = RAVEL_BACKEND_JIT;
  jit.options.isa = RAVEL_ISA_AUTO;
  configs.push_back(jit);
  for (int32_t isa = RAVEL_ISA_SVE; isa > RAVEL_ISA_AUTO; --isa) {
    if (ravel_isa_available(isa) == 0) {
      continue;
    }
    RavelConfig config{command_line.options, std::string("hwy/") + ravel_isa_name(isa)};
    config.options.backend = RAVEL_BACKEND_HWY;
    config.options.isa = isa;
    configs.push_back(config);
  }
  return configs;
}

ravel_bench::MeasureOptions TimingOptions(const CommandLine& command_line) {
  ravel_bench::MeasureOptions options;
  options.warmup_seconds = kWarmupSeconds;
  options.min_samples = kMinSamples;
  options.min_seconds = command_line.min_seconds;
  options.max_seconds = command_line.max_seconds;
  return options;
}

// Times ravel under one configuration on run, after checking its output against the reference.
// The run's destination buffers are reset first, so that each configuration proves its own output.
ImplResult BenchRavel(const ravel_cases::Case& c, const RavelConfig& config, bool latency,
                      const ravel_bench::MeasureOptions& timing, ravel_cases::CaseRun* run) {
  ImplResult result;
  result.impl = "ravel";
  result.config = config.label;
  result.backend = BackendName(config.options.backend);
  std::vector<PlanHandle> plans;
  ravel_status status = CreateStagePlans(c, config.options, &plans);
  if (status == RAVEL_OK) {
    result.backend.clear();
    for (const PlanHandle& plan : plans) {
      AddName(&result.backend, BackendName(ravel_plan_backend(plan.get())));
      AddName(&result.isa, ravel_isa_name(ravel_plan_isa(plan.get())));
    }
    ResetRun(run);
    status = ravel_cases::ExecuteRun(c, &config.options, run);
  }
  if (status != RAVEL_OK) {
    result.outcome = status == RAVEL_E_UNSUPPORTED ? Outcome::kUnsupported : Outcome::kError;
    result.message = std::string(ravel_status_string(status)) + ": " + ravel_last_error();
    return result;
  }
  if (!ravel_cases::VerifyRun(c, *run, &result.message)) {
    result.outcome = Outcome::kMismatch;
  }
  if (!latency) {
    result.time =
        ravel_bench::Measure([&] { ravel_cases::ExecuteRun(c, &config.options, run); }, timing);
  } else {
    // Small cases: the calls' arguments are worked out once, so that the per-call times are the
    // library's, not the harness's (one-shot ravel_copy, then a plan made once and executed).
    struct StageCall {
      const uint8_t* src;
      ravel_layout src_layout;
      uint8_t* dst;
      ravel_layout dst_layout;
      ravel_plan plan;
    };
    std::vector<StageCall> calls;
    for (size_t k = 0; k < c.stages.size(); ++k) {
      calls.push_back({ravel_peers::StageSrc(c, k, *run), ravel_view_layout(&c.stages[k].src),
                       ravel_peers::StageDst(c, k, run), ravel_view_layout(&c.stages[k].dst),
                       plans[k].get()});
    }
    const ravel_options options = config.options;
    result.time = ravel_bench::MeasureBatched(
        [&](int64_t times) {
          for (int64_t t = 0; t < times; ++t) {
            for (const StageCall& call : calls) {
              ravel_copy(call.src, &call.src_layout, call.dst, &call.dst_layout, &options);
            }
          }
        },
        timing);
    const ravel_bench::Measurement execute = ravel_bench::MeasureBatched(
        [&](int64_t times) {
          for (int64_t t = 0; t < times; ++t) {
            for (const StageCall& call : calls) {
              ravel_plan_execute(call.plan, call.src, call.dst);
            }
          }
        },
        timing);
    result.latency_ns.emplace_back("plan-execute", execute.median_seconds * kNanosecondsPerSecond);
    const ravel_bench::Measurement create = ravel_bench::Measure(
        [&] {
          std::vector<PlanHandle> fresh;
          CreateStagePlans(c, config.options, &fresh);
        },
        timing);
    result.latency_ns.emplace_back("plan-create", create.median_seconds * kNanosecondsPerSecond);
  }
  return result;
}

// Runs a C++ peer on peer_run (reset first) and compares every buffer with ravel's golden run.
ImplResult BenchPeer(const ravel_cases::Case& c, ravel_peers::Peer& peer, int threads, bool latency,
                     const ravel_bench::MeasureOptions& timing, const ravel_cases::CaseRun* golden,
                     ravel_cases::CaseRun* peer_run) {
  ImplResult result;
  result.impl = peer.Name();
  if (!peer.CanExpress(c, &result.message)) {
    result.outcome = Outcome::kNotApplicable;
    return result;
  }
  if (golden == nullptr) {
    result.outcome = Outcome::kError;
    result.message = "no verified ravel output to compare with";
    return result;
  }
  ResetRun(peer_run);
  std::unique_ptr<ravel_peers::PreparedCopy> copy =
      peer.Prepare(c, threads, peer_run, &result.message);
  if (copy == nullptr) {
    result.outcome = Outcome::kNotApplicable;
    return result;
  }
  copy->Run();
  if (!SameBytes(*golden, *peer_run, &result.message)) {
    result.outcome = Outcome::kMismatch;
  }
  result.time = ravel_bench::Measure([&] { copy->Run(); }, timing);
  if (latency) {
    for (ravel_peers::LatencyProbe& probe : peer.LatencyProbes(c, threads, peer_run)) {
      const ravel_bench::Measurement probe_time = ravel_bench::Measure(probe.call, timing);
      result.latency_ns.emplace_back(probe.name, probe_time.median_seconds * kNanosecondsPerSecond);
    }
  }
  return result;
}

// The Python peers' lines for one case, checked against ravel's output checksum.
void AddPythonResults(const Peers& peers, const std::vector<PythonResult>* lines,
                      const std::string& python_error, const std::string& golden_checksum,
                      CaseResult* result) {
  for (const PythonLibrary& library : peers.python.libraries) {
    ImplResult impl;
    impl.impl = library.name;
    if (library.version.empty()) {
      impl.outcome = Outcome::kNotInstalled;
      impl.message = peers.python.reason.empty()
                         ? "python3 cannot import " + library.name + " (" + library.package + ")"
                         : peers.python.reason;
      result->impls.push_back(impl);
      continue;
    }
    const PythonResult* line = nullptr;
    if (lines != nullptr) {
      for (const PythonResult& candidate : *lines) {
        if (candidate.String("impl") == library.name) {
          line = &candidate;
        }
      }
    }
    if (line == nullptr) {
      impl.outcome = Outcome::kError;
      impl.message = python_error.empty() ? "no result from peers.py" : python_error;
      result->impls.push_back(impl);
      continue;
    }
    const std::string status = line->String("status");
    impl.message = line->String("reason");
    if (status == "n/a") {
      impl.outcome = Outcome::kNotApplicable;
    } else if (status != "ok") {
      impl.outcome = Outcome::kError;
    } else if (golden_checksum.empty()) {
      impl.outcome = Outcome::kError;
      impl.message = "no verified ravel output to compare with";
    } else if (line->String("checksum") != golden_checksum) {
      impl.outcome = Outcome::kMismatch;
      impl.message =
          "output checksum " + line->String("checksum") + " != ravel's " + golden_checksum;
    }
    if (impl.outcome == Outcome::kOk) {
      impl.message = line->String("note");
      if (line->Number("threads_used") == 1 && result->threads > 1) {
        impl.message += (impl.message.empty() ? "" : "; ") + std::string("1 thread");
      }
    }
    impl.time.median_seconds = line->Number("seconds");
    impl.time.samples = static_cast<int64_t>(line->Number("samples"));
    result->impls.push_back(impl);
  }
}

CaseResult BenchCase(const ravel_cases::Case& c, const CommandLine& command_line,
                     const std::vector<RavelConfig>& configs, Peers* peers, int threads,
                     ravel_bench::ThreadPool* pool, const std::vector<PythonResult>* python,
                     const std::string& python_error) {
  CaseResult result;
  result.bytes = ravel_cases::CaseBytes(c);
  result.threads = threads;
  const ravel_bench::MeasureOptions timing = TimingOptions(command_line);
  const bool latency = result.bytes <= kLatencyBytes;

  ravel_cases::CaseRun run;
  std::string error;
  if (!ravel_cases::PrepareRun(c, &run, &error)) {
    ImplResult failed;
    failed.impl = "ravel";
    failed.outcome = Outcome::kError;
    failed.message = error;
    result.impls.push_back(failed);
    return result;
  }
  const RavelConfig* golden_config = nullptr;
  for (const RavelConfig& config : configs) {
    result.impls.push_back(BenchRavel(c, config, latency, timing, &run));
    if (golden_config == nullptr && result.impls.back().outcome == Outcome::kOk) {
      golden_config = &config;
    }
  }
  // ravel's verified output, which every peer's must equal byte for byte.
  const ravel_cases::CaseRun* golden = nullptr;
  std::string golden_checksum;
  if (golden_config != nullptr) {
    ResetRun(&run);
    ravel_cases::ExecuteRun(c, &golden_config->options, &run);
    golden = &run;
    golden_checksum = BufferChecksum(run.buffers.back().data(), run.buffers.back().size());
  }

  ravel_cases::CaseRun peer_run;
  if (command_line.peers) {
    for (const std::unique_ptr<ravel_peers::Peer>& peer : peers->installed) {
      if (peer_run.buffers.empty() && !ravel_cases::PrepareRun(c, &peer_run, &error)) {
        ImplResult failed;
        failed.impl = peer->Name();
        failed.outcome = Outcome::kError;
        failed.message = error;
        result.impls.push_back(failed);
        continue;
      }
      result.impls.push_back(BenchPeer(c, *peer, threads, latency, timing, golden, &peer_run));
    }
    for (const std::string& missing : peers->missing) {
      ImplResult impl;
      impl.impl = missing.substr(0, missing.find(' '));
      impl.outcome = Outcome::kNotInstalled;
      impl.message = missing.substr(missing.find(' ') + 1);
      result.impls.push_back(impl);
    }
    AddPythonResults(*peers, python, python_error, golden_checksum, &result);
  }

  if (result.bytes == 0) {
    return result;
  }
  const auto bytes = static_cast<size_t>(result.bytes);
  ravel_cases::AlignedBuffer baseline_src(bytes);
  ravel_cases::AlignedBuffer baseline_dst(bytes);
  if (baseline_src.data() == nullptr || baseline_dst.data() == nullptr) {
    result.impls.front().outcome = Outcome::kError;
    result.impls.front().message =
        "cannot allocate " + std::to_string(bytes) + " bytes for the baselines";
    return result;
  }
  ravel_cases::FillPattern(baseline_src.data(), bytes, ravel_cases::BufferSeed(0));
  ravel_cases::FillPattern(baseline_dst.data(), bytes, ravel_cases::BufferSeed(1));
  auto baseline = [&](void (*copy)(void*, const void*, size_t)) {
    return ravel_bench::Measure(
        [&] {
          ravel_bench::ParallelCopy(*pool, copy, baseline_dst.data(), baseline_src.data(), bytes);
        },
        timing);
  };
  result.memcpy_copy = baseline(ravel_bench::MemcpyCopy);
  result.stream_copy = baseline(ravel_bench::StreamCopy);
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

// One JSON object a line per implementation and case. ravel's lines keep the fields of the
// single-implementation output (gbps, memcpy_gbps, stream_gbps, ratio, ns_per_call, ...).
void PrintJson(const ravel_cases::Case& c, const CaseResult& result) {
  for (const ImplResult& impl : result.impls) {
    const double seconds = impl.time.median_seconds;
    const bool verified = impl.outcome == Outcome::kOk;
    std::printf(
        "{\"case\": %s, \"impl\": %s, \"status\": \"%s\", \"bytes\": %lld, \"threads\": %lld, "
        "\"backend\": %s, \"isa\": %s, \"seconds\": %.9g, \"gbps\": %.6g, \"memcpy_gbps\": %.6g, "
        "\"stream_gbps\": %.6g, \"limit_gbps\": %.6g, \"ratio\": %.6g, \"ns_per_call\": %.6g, "
        "\"samples\": %lld, \"verified\": %s",
        JsonString(c.text).c_str(), JsonString(impl.impl).c_str(), OutcomeName(impl.outcome),
        static_cast<long long>(result.bytes), static_cast<long long>(result.threads),
        JsonString(impl.backend).c_str(), JsonString(impl.isa).c_str(), seconds, Gbps(result, impl),
        GigabytesPerSecond(result.bytes, result.memcpy_copy.median_seconds),
        GigabytesPerSecond(result.bytes, result.stream_copy.median_seconds), LimitGbps(result),
        Ratio(result, impl), seconds * kNanosecondsPerSecond,
        static_cast<long long>(impl.time.samples), verified ? "true" : "false");
    if (!impl.config.empty()) {
      std::printf(", \"config\": %s", JsonString(impl.config).c_str());
    }
    if (impl.impl == "ravel") {
      const ImplResult* best = BestPeer(result);
      if (best != nullptr) {
        std::printf(", \"best_peer\": %s, \"speedup_over_best_peer\": %.6g",
                    JsonString(best->impl).c_str(), SpeedupOverBestPeer(result, impl));
      }
    }
    for (const auto& [name, ns] : impl.latency_ns) {
      std::printf(", \"%s_ns\": %.6g", name.c_str(), ns);
    }
    if (!impl.message.empty()) {
      std::printf(", \"%s\": %s", impl.outcome == Outcome::kOk ? "note" : "reason",
                  JsonString(impl.message).c_str());
    }
    std::printf("}\n");
  }
}

std::string ImplLabel(const ImplResult& impl) {
  if (impl.impl != "ravel") {
    return impl.impl;
  }
  return "ravel " + impl.backend + (impl.isa.empty() ? "" : "/" + impl.isa);
}

void PrintTable(const ravel_cases::Case& c, const CaseResult& result) {
  std::printf("%s  (%.2f MiB; limit on %lld thread%s: memcpy %.2f, stream %.2f GB/s)\n",
              c.text.c_str(), static_cast<double>(result.bytes) / kBytesPerMebibyte,
              static_cast<long long>(result.threads), result.threads == 1 ? "" : "s",
              GigabytesPerSecond(result.bytes, result.memcpy_copy.median_seconds),
              GigabytesPerSecond(result.bytes, result.stream_copy.median_seconds));
  for (const ImplResult& impl : result.impls) {
    const std::string label = ImplLabel(impl);
    if (impl.outcome != Outcome::kOk && impl.outcome != Outcome::kMismatch) {
      std::printf("  %-22s %s: %s\n", label.c_str(), OutcomeName(impl.outcome),
                  impl.message.c_str());
      continue;
    }
    std::printf(
        "  %-22s %8.2f GB/s %6.2f %14.1f ns  %s", label.c_str(), Gbps(result, impl),
        Ratio(result, impl), impl.time.median_seconds * kNanosecondsPerSecond,
        impl.outcome == Outcome::kOk
            ? (impl.message.empty() ? "verified" : "verified (" + impl.message + ")").c_str()
            : ("MISMATCH: " + impl.message).c_str());
    if (impl.outcome == Outcome::kMismatch) {
      std::printf("  (timed anyway: %.2f GB/s)",
                  GigabytesPerSecond(result.bytes, impl.time.median_seconds));
    }
    std::printf("\n");
  }
  const ImplResult* best = BestPeer(result);
  if (best != nullptr) {
    for (const ImplResult& impl : result.impls) {
      if (impl.impl == "ravel" && impl.outcome == Outcome::kOk) {
        std::printf("  %s: %.2fx the best peer (%s)\n", ImplLabel(impl).c_str(),
                    SpeedupOverBestPeer(result, impl), best->impl.c_str());
      }
    }
  }
}

// The latency column of one implementation or probe: "ravel one-shot", "onednn create", ...
std::string LatencyLabel(const ImplResult& impl, const std::string& probe) {
  std::string label = impl.impl;
  if (!impl.config.empty()) {
    label += " " + impl.config;
  }
  if (!probe.empty()) {
    return label + " " + probe;
  }
  struct MainCall {
    const char* impl;
    const char* call;
  };
  static constexpr MainCall kMainCalls[] = {
      {"ravel", "one-shot"}, {"onednn", "execute"}, {"aten", "copy_"},
      {"eigen", "assign"},   {"numpy", "copyto"},   {"torch", "copy_"},
  };
  for (const MainCall& main_call : kMainCalls) {
    if (impl.impl == main_call.impl) {
      return label + " " + main_call.call;
    }
  }
  return label;
}

// The latency rows: per-call ns on the small cases of a section, one row per implementation or
// probe (ravel one-shot, plan execute and create, oneDNN execute and create, ATen copy_ and
// contiguous(), ...), one column per case.
void PrintLatency(const std::vector<ravel_cases::Case>& cases,
                  const std::vector<CaseResult>& results) {
  std::vector<size_t> small;
  std::vector<std::string> rows;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (results[i].bytes > kLatencyBytes) {
      continue;
    }
    small.push_back(i);
    for (const ImplResult& impl : results[i].impls) {
      if (impl.outcome != Outcome::kOk) {
        continue;
      }
      std::vector<std::string> labels = {LatencyLabel(impl, "")};
      for (const auto& probe : impl.latency_ns) {
        labels.push_back(LatencyLabel(impl, probe.first));
      }
      for (const std::string& label : labels) {
        if (std::find(rows.begin(), rows.end(), label) == rows.end()) {
          rows.push_back(label);
        }
      }
    }
  }
  if (small.empty()) {
    return;
  }
  constexpr int kLabelWidth = 28;
  constexpr int kCellWidth = 10;
  std::printf("\nlatency, ns per call, cases <= %lld bytes:\n",
              static_cast<long long>(kLatencyBytes));
  for (size_t column = 0; column < small.size(); ++column) {
    std::printf("  [%zu] %s\n", column + 1, cases[small[column]].text.c_str());
  }
  std::printf("  %-*s", kLabelWidth, "");
  for (size_t column = 0; column < small.size(); ++column) {
    std::printf(" %*s", kCellWidth, ("[" + std::to_string(column + 1) + "]").c_str());
  }
  std::printf("\n");
  for (const std::string& row : rows) {
    std::printf("  %-*s", kLabelWidth, row.c_str());
    for (const size_t i : small) {
      double value = -1;
      for (const ImplResult& impl : results[i].impls) {
        if (impl.outcome != Outcome::kOk) {
          continue;
        }
        if (LatencyLabel(impl, "") == row) {
          value = impl.time.median_seconds * kNanosecondsPerSecond;
        }
        for (const auto& probe : impl.latency_ns) {
          if (LatencyLabel(impl, probe.first) == row) {
            value = probe.second;
          }
        }
      }
      if (value < 0) {
        std::printf(" %*s", kCellWidth, "-");
      } else {
        std::printf(" %*.0f", kCellWidth, value);
      }
    }
    std::printf("\n");
  }
}

Peers FindPeers(bool wanted) {
  Peers peers;
  if (!wanted) {
    return peers;
  }
  for (const ravel_peers::PeerEntry& entry : ravel_peers::KnownPeers()) {
    if (entry.make != nullptr) {
      peers.installed.push_back(entry.make());
    } else {
      peers.missing.push_back(std::string(entry.name) + " not found when ravel was configured (" +
                              entry.package + ")");
    }
  }
  peers.python = ProbePythonPeers();
  return peers;
}

}  // namespace

int BenchCommand(const std::vector<std::string>& args) {
  CommandLine command_line;
  int exit_code = kExitSuccess;
  if (!ParseOrExit("bench", args, /*bench_flags=*/true, &command_line, &exit_code)) {
    return exit_code;
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<int32_t> thread_counts = command_line.thread_counts;
  if (thread_counts.empty()) {
    thread_counts.push_back(command_line.options.num_threads);
  }
  std::vector<RavelConfig> configs = RavelConfigs(command_line);
  Peers peers = FindPeers(command_line.peers);
  const auto cores = static_cast<int>(std::thread::hardware_concurrency());

  // The header goes to stdout above a table, to stderr beside JSON lines.
  FILE* header = command_line.json ? stderr : stdout;
  std::string thread_text;
  for (const int32_t threads : thread_counts) {
    thread_text +=
        (thread_text.empty() ? "" : ",") +
        (threads == 0 ? "default (" + std::to_string(cores) + " cores)" : std::to_string(threads));
  }
  std::fprintf(header,
               "# ravel %s | cpu: %s | threads: %s | backend: %s | stream copy: %s | timing: "
               "median of >= %lld runs and >= %g s, <= %g s a copy\n",
               ravel_version(), CpuModel().c_str(), thread_text.c_str(),
               command_line.all_isas ? "all" : BackendName(command_line.options.backend),
               ravel_bench::StreamCopyVariant(), static_cast<long long>(kMinSamples),
               command_line.min_seconds, command_line.max_seconds);
  std::fprintf(header,
               "# GB/s = 2 x bytes / seconds; memcpy and stream copy the same bytes on the same "
               "threads (contiguous chunks); ratio = GB/s / max(memcpy, stream)\n");
  if (command_line.peers) {
    std::string names;
    for (const auto& peer : peers.installed) {
      names += (names.empty() ? "" : ", ") + peer->Version();
    }
    for (const PythonLibrary& library : peers.python.libraries) {
      if (!library.version.empty()) {
        names += (names.empty() ? "" : ", ") + library.name + " " + library.version + " (python3" +
                 (library.name == "numpy" ? ", 1 thread" : "") + ")";
      }
    }
    std::fprintf(header, "# peers: %s\n", names.empty() ? "none installed" : names.c_str());
    for (const std::string& missing : peers.missing) {
      std::fprintf(header, "# not installed: %s\n", missing.c_str());
    }
    for (const PythonLibrary& library : peers.python.libraries) {
      if (library.version.empty()) {
        std::fprintf(header, "# not installed: %s (%s)%s%s\n", library.name.c_str(),
                     library.package.c_str(), peers.python.reason.empty() ? "" : ": ",
                     peers.python.reason.c_str());
      }
    }
  }
  std::fflush(header);

  size_t failures = 0;
  size_t unsupported = 0;
  size_t rows = 0;
  const size_t count = command_line.cases.size();
  for (const int32_t requested : thread_counts) {
    const int threads = requested == 0 ? std::max(cores, 1) : requested;
    for (RavelConfig& config : configs) {
      config.options.num_threads = requested;
    }
    ravel_bench::ThreadPool pool(threads);
    std::vector<std::vector<PythonResult>> python;
    std::string python_error;
    if (command_line.peers && peers.python_available()) {
      std::fprintf(stderr, "# threads %d: numpy and torch through peers.py...\n", threads);
      if (!RunPythonPeers(command_line.cases, threads, command_line.min_seconds,
                          command_line.max_seconds, &python, &python_error)) {
        std::fprintf(stderr, "# peers.py failed: %s\n", python_error.c_str());
      }
    }
    if (!command_line.json) {
      std::printf("\n## threads: %d\n", threads);
    }
    std::vector<CaseResult> results;
    for (size_t i = 0; i < count; ++i) {
      const ravel_cases::Case& c = command_line.cases[i];
      std::fprintf(stderr, "[%zu/%zu, %d thread%s] %s\n", i + 1, count, threads,
                   threads == 1 ? "" : "s", c.text.c_str());
      const CaseResult result = BenchCase(c, command_line, configs, &peers, threads, &pool,
                                          i < python.size() ? &python[i] : nullptr, python_error);
      if (command_line.json) {
        PrintJson(c, result);
      } else {
        PrintTable(c, result);
      }
      std::fflush(stdout);
      for (const ImplResult& impl : result.impls) {
        ++rows;
        if (impl.outcome == Outcome::kUnsupported) {
          ++unsupported;
        } else if (impl.outcome == Outcome::kError || impl.outcome == Outcome::kMismatch) {
          ++failures;
          exit_code = kExitFailure;
        }
      }
      results.push_back(result);
    }
    if (!command_line.json) {
      PrintLatency(command_line.cases, results);
    }
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(header,
               "# %zu cases x %zu thread counts in %.1f s: %zu rows, %zu failed or mismatched, "
               "%zu unsupported\n",
               count, thread_counts.size(), elapsed, rows, failures, unsupported);
  return exit_code;
}

}  // namespace ravel_tools
