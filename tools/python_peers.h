// The numpy and PyTorch peers of `ravel bench --peers`: tools/peers.py, run with /usr/bin/python3
// (RAVEL_PYTHON overrides it; RAVEL_PEERS_PY overrides the script's path). The command hands it
// the cases and pattern seeds in a manifest file; the script fills the same patterns, copies each
// case with numpy and torch, times them as Measure does, and prints one JSON line per case and
// library with a checksum of its output buffer, which the command compares with ravel's.
#ifndef RAVEL_TOOLS_PYTHON_PEERS_H_
#define RAVEL_TOOLS_PYTHON_PEERS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "cases/case.h"

namespace ravel_tools {

// The Python libraries the script times, in order.
struct PythonLibrary {
  std::string name;     // "numpy", "torch"
  std::string package;  // the Debian package
  std::string version;  // empty if it cannot be imported
};

// What `peers.py --probe` found; libraries is never empty (both are listed, versions empty if
// missing), reason says why none could run (no python, no script).
struct PythonProbe {
  std::vector<PythonLibrary> libraries;
  std::string reason;
};
PythonProbe ProbePythonPeers();

// One line of the script's output: string and number fields of a flat JSON object.
struct PythonResult {
  std::map<std::string, std::string> strings;
  std::map<std::string, double> numbers;
  std::string String(const std::string& key) const;
  double Number(const std::string& key) const;  // 0 if absent
};

// Runs the script on cases at threads; (*results)[i] holds case i's lines. false and *error if
// the script could not run or printed nothing; *error is also set if it failed after printing.
bool RunPythonPeers(const std::vector<ravel_cases::Case>& cases, int threads, double min_seconds,
                    double max_seconds, std::vector<std::vector<PythonResult>>* results,
                    std::string* error);

// The checksum the script computes of a buffer: the bytes as little-endian 64-bit words (the last
// one zero-padded), sum of word i * (2i + 1) modulo 2^64, as "0x" and 16 hex digits.
std::string BufferChecksum(const uint8_t* data, size_t bytes);

}  // namespace ravel_tools

#endif  // RAVEL_TOOLS_PYTHON_PEERS_H_
