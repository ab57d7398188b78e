// The peers `ravel bench --peers` compares ravel with: other libraries that materialize strided
// views (oneDNN reorder, ATen copy_, Eigen Tensor shuffle). Each sits behind a small adapter, one
// file a peer, compiled in only when CMake found its Debian package.
//
// An adapter takes the same case as ravel (src/cases: views in elements over page-aligned base
// buffers), says whether it can express it (and why not), prepares once what runs the copy (a
// oneDNN primitive, ATen tensors over the same buffers, an Eigen expression) and runs it on the
// case's buffers, so that its output can be compared byte for byte with ravel's.
#ifndef RAVEL_BENCH_PEERS_PEER_H_
#define RAVEL_BENCH_PEERS_PEER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cases/case.h"
#include "cases/run.h"

namespace ravel_peers {

// A copy a peer has prepared for one case, bound to one run's buffers.
class PreparedCopy {
 public:
  virtual ~PreparedCopy() = default;
  // Copies every stage of the case, in order, on the bound buffers.
  virtual void Run() = 0;
};

// An extra call timed for the latency rows (e.g. oneDNN primitive creation, ATen contiguous()).
struct LatencyProbe {
  std::string name;  // "create", "contiguous", ...
  std::function<void()> call;
};

class Peer {
 public:
  virtual ~Peer() = default;
  // A short lower-case name: "onednn", "aten", "eigen".
  virtual const char* Name() const = 0;
  // Library, version and threading runtime, e.g. "oneDNN 2.6.3 (OpenMP)".
  virtual std::string Version() const = 0;
  // true if the peer can express every stage of c; else false and *reason says why in a few
  // words ("negative strides", "8-byte elements", ...).
  virtual bool CanExpress(const ravel_cases::Case& c, std::string* reason) const = 0;
  // Sets the peer's thread count and creates what copies c on run's buffers, once. On failure
  // returns nullptr and *error says why (the library's own message).
  virtual std::unique_ptr<PreparedCopy> Prepare(const ravel_cases::Case& c, int threads,
                                                ravel_cases::CaseRun* run, std::string* error) = 0;
  // Calls timed for the latency rows on run's buffers (none by default).
  virtual std::vector<LatencyProbe> LatencyProbes(const ravel_cases::Case& c, int threads,
                                                  ravel_cases::CaseRun* run);
};

// A peer ravel knows of: make is nullptr when its package was not found at configure time.
struct PeerEntry {
  const char* name;
  const char* package;  // the Debian package that brings it
  std::unique_ptr<Peer> (*make)();
};

// Every C++ peer, installed or not, in a fixed order.
const std::vector<PeerEntry>& KnownPeers();

// ---- Helpers the adapters share ------------------------------------------------------------

// The address of index (0, ..., 0) of stage k's source and destination views in run.
const uint8_t* StageSrc(const ravel_cases::Case& c, size_t k, const ravel_cases::CaseRun& run);
uint8_t* StageDst(const ravel_cases::Case& c, size_t k, ravel_cases::CaseRun* run);

// Whether any extent > 1 of view has a negative (zero) stride.
bool HasNegativeStride(const ravel_view& view);
bool HasZeroStride(const ravel_view& view);

// Whether view is dense row-major (extents of 1 may have any stride).
bool IsDenseRowMajor(const ravel_view& view);

// One stage with size-1 dims dropped and dims merged where both sides allow (as numpy and the
// peers do inside): shape and strides (elements) of source and destination, rank >= 1.
struct MergedStage {
  std::vector<int64_t> shape;
  std::vector<int64_t> src_strides;
  std::vector<int64_t> dst_strides;
};
MergedStage MergeDims(const ravel_cases::Stage& stage);

// The adapters' factories (defined only when compiled in).
std::unique_ptr<Peer> MakeOnednnPeer();
std::unique_ptr<Peer> MakeAtenPeer();
std::unique_ptr<Peer> MakeEigenPeer();

}  // namespace ravel_peers

#endif  // RAVEL_BENCH_PEERS_PEER_H_
