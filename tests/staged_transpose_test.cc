// The staged transpose kernel called directly on blocks whose rows or columns come in groups
// (RowsArgs::row_group, col_group: the planner makes them only from DRAM, at 16 MiB and more),
// against the element formula, on every ISA this machine runs and every lane width: random
// group sizes and counts, tiles of whole groups with a shorter last one, misaligned
// destinations, regular and streaming stores. Bytes outside the destination view stay untouched.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernels.h"

namespace ravel {
namespace {

struct GroupedBlocks {
  int64_t width = 4;
  int64_t row_group = 0;  // 0: rows not grouped
  int64_t row_groups = 1;
  int64_t col_group = 0;  // 0: columns not grouped
  int64_t col_groups = 1;
  int64_t rows_per_tile = 1;  // whole row groups a call, or rows where not grouped
  int64_t cols_per_tile = 1;  // whole column groups a call, or columns where not grouped
  int64_t dst_shift = 0;
  bool stream = false;

  int64_t rows() const { return (row_group != 0 ? row_group : 1) * row_groups; }
  int64_t cols() const { return (col_group != 0 ? col_group : 1) * col_groups; }
  std::string Describe() const {
    return "width " + std::to_string(width) + " rows " + std::to_string(row_group) + "x" +
           std::to_string(row_groups) + " cols " + std::to_string(col_group) + "x" +
           std::to_string(col_groups) + " tile " + std::to_string(rows_per_tile) + "x" +
           std::to_string(cols_per_tile) + " shift " + std::to_string(dst_shift) +
           (stream ? " streamed" : "");
  }
};

// Byte offsets of the blocks' layout: source rows contiguous, columns apart (and groups further
// apart); destination columns contiguous, rows apart (and groups further apart), all padded.
struct Strides {
  int64_t src_stride, src_group_stride, dst_row_stride, dst_group_stride;
};

Strides StridesOf(const GroupedBlocks& b) {
  Strides s;
  const int64_t row_group = b.row_group != 0 ? b.row_group : b.rows();
  const int64_t col_group = b.col_group != 0 ? b.col_group : b.cols();
  s.src_stride = b.rows() * b.width + 3 * b.width;
  s.src_group_stride = col_group * s.src_stride + 5 * b.width;
  s.dst_row_stride = b.cols() * b.width + 7 * b.width;
  s.dst_group_stride = row_group * s.dst_row_stride + 2 * b.width;
  return s;
}

int64_t SrcOffset(const GroupedBlocks& b, const Strides& s, int64_t r, int64_t j) {
  const int64_t col_group = b.col_group != 0 ? b.col_group : b.cols();
  return r * b.width + (j / col_group) * s.src_group_stride + (j % col_group) * s.src_stride;
}

int64_t DstOffset(const GroupedBlocks& b, const Strides& s, int64_t r, int64_t j) {
  const int64_t row_group = b.row_group != 0 ? b.row_group : b.rows();
  return (r / row_group) * s.dst_group_stride + (r % row_group) * s.dst_row_stride + j * b.width;
}

// Runs the kernel over every block as the driver does and checks each destination byte.
void CheckBlocks(RowsKernel kernel, const GroupedBlocks& b) {
  const Strides s = StridesOf(b);
  const int64_t src_bytes = SrcOffset(b, s, b.rows() - 1, b.cols() - 1) + b.width;
  const int64_t dst_bytes = DstOffset(b, s, b.rows() - 1, b.cols() - 1) + b.width;
  constexpr int64_t kGuard = 128;
  std::mt19937 rng(static_cast<uint32_t>(src_bytes * 7 + dst_bytes));
  std::vector<unsigned char> src(static_cast<size_t>(src_bytes));
  for (unsigned char& byte : src) {
    byte = static_cast<unsigned char>(rng());
  }
  // 64-byte aligned storage, the view dst_shift bytes past a line.
  std::vector<unsigned char> storage(static_cast<size_t>(dst_bytes + 2 * kGuard + 64), 0xA5);
  const uintptr_t base = reinterpret_cast<uintptr_t>(storage.data()) + kGuard;
  char* dst = reinterpret_cast<char*>((base + 63) / 64 * 64 + static_cast<uintptr_t>(b.dst_shift));
  const std::vector<unsigned char> before = storage;

  const int64_t row_unit = b.row_group != 0 ? b.row_group : 1;
  const int64_t col_unit = b.col_group != 0 ? b.col_group : 1;
  const int64_t tile_rows = b.rows_per_tile * row_unit;
  const int64_t tile_cols = b.cols_per_tile * col_unit;
  for (int64_t r = 0; r < b.rows(); r += tile_rows) {
    for (int64_t j = 0; j < b.cols(); j += tile_cols) {
      RowsArgs args;
      args.rows = std::min(tile_rows, b.rows() - r);
      args.n = std::min(tile_cols, b.cols() - j);
      args.src_stride = s.src_stride;
      args.dst_stride = b.width;
      args.src_row_stride = b.width;
      args.dst_row_stride = s.dst_row_stride;
      args.stream = b.stream;
      args.col_begin = j;
      args.cols_total = b.cols();
      args.next_src_offset = j + tile_cols < b.cols() ? SrcOffset(b, s, 0, tile_cols) : 0;
      if (b.col_group != 0) {
        args.col_group = b.col_group;
        args.src_group_stride = s.src_group_stride;
      }
      if (b.row_group != 0) {
        args.row_group = b.row_group;
        args.dst_group_stride = s.dst_group_stride;
      }
      kernel(args, reinterpret_cast<const char*>(src.data()) + SrcOffset(b, s, r, j),
             dst + DstOffset(b, s, r, j));
    }
  }

  std::vector<unsigned char> expected = before;
  unsigned char* expected_dst =
      expected.data() + (reinterpret_cast<unsigned char*>(dst) - storage.data());
  for (int64_t r = 0; r < b.rows(); ++r) {
    for (int64_t j = 0; j < b.cols(); ++j) {
      std::memcpy(expected_dst + DstOffset(b, s, r, j), src.data() + SrcOffset(b, s, r, j),
                  static_cast<size_t>(b.width));
    }
  }
  for (size_t i = 0; i < storage.size(); ++i) {
    ASSERT_EQ(storage[i], expected[i])
        << b.Describe() << ": byte " << static_cast<int64_t>(i) - kGuard << " of the buffer";
  }
}

// Group sizes from one to a few tiles of lanes, the odd and the prime among them.
int64_t RandomGroup(std::mt19937& rng, int64_t lanes) {
  const int64_t sizes[] = {lanes, lanes + 1, 2 * lanes - 1, 2 * lanes, 28, 37, 72};
  return std::max(lanes, sizes[rng() % (sizeof(sizes) / sizeof(sizes[0]))]);
}

TEST(StagedTranspose, GroupedRowsAndColumnsMatchTheFormula) {
  std::mt19937 rng(20261207);
  for (Isa isa : AvailableIsas()) {
    for (const int64_t width : {1, 2, 4, 8}) {
      const RowsKernel kernel = StagedTransposeKernel(isa, width);
      if (kernel == nullptr) {
        continue;
      }
      const int64_t lanes = TransposeTileLanes(width, isa);
      for (int trial = 0; trial < 24; ++trial) {
        GroupedBlocks b;
        b.width = width;
        const int mode = trial % 3;  // columns grouped, rows grouped, both
        if (mode != 1) {
          b.col_group = RandomGroup(rng, lanes);
          b.col_groups = 2 + static_cast<int64_t>(rng() % 6);
          b.cols_per_tile =
              std::max<int64_t>(1, 512 / (b.col_group * width)) - static_cast<int64_t>(rng() % 2);
          b.cols_per_tile = std::max<int64_t>(1, b.cols_per_tile);
        } else {
          b.col_groups = 3 * lanes + static_cast<int64_t>(rng() % 64);
          b.cols_per_tile = std::max(lanes, 256 / width);
        }
        if (mode != 0) {
          b.row_group = RandomGroup(rng, lanes);
          b.row_groups = 2 + static_cast<int64_t>(rng() % 5);
          b.rows_per_tile = 1 + static_cast<int64_t>(rng() % 3);
        } else {
          // Rows not grouped; sometimes fewer than a tile in the last call.
          b.row_groups = lanes + static_cast<int64_t>(rng() % 40);
          b.rows_per_tile = std::min<int64_t>(b.row_groups, std::max(lanes, 128 / width));
        }
        b.dst_shift = static_cast<int64_t>(rng() % 3) * width + (rng() % 4 == 0 ? 1 : 0);
        b.stream = rng() % 2 == 0;
        SCOPED_TRACE(std::string(IsaName(isa)) + " trial " + std::to_string(trial));
        CheckBlocks(kernel, b);
        if (HasFatalFailure()) {
          return;
        }
      }
    }
  }
}

}  // namespace
}  // namespace ravel
