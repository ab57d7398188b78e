#include "kernels/kernels.h"

namespace ravel {

const char* FamilyName(Family family) {
  switch (family) {
    case Family::kEmpty:
      return "empty";
    case Family::kCopyRuns:
      return "copy-runs";
    case Family::kTranspose:
      return "transpose";
    case Family::kGather:
      return "gather";
    case Family::kBroadcast:
      return "broadcast";
    case Family::kReverse:
      return "reverse";
  }
  return "unknown";
}

bool IsKernelWidth(int64_t width) {
  for (int64_t kernel_width : kKernelWidths) {
    if (width == kernel_width) {
      return true;
    }
  }
  return false;
}

RowsKernel StagedTransposeKernel(Isa isa, int64_t width) {
  if (!IsKernelWidth(width) || !IsaAvailable(isa)) {
    return nullptr;
  }
  return StagedTransposeKernel(HwyTargetOf(isa), width);
}

int64_t TransposeTileLanes(int64_t width, Isa isa) {
  if (!IsKernelWidth(width) || !IsaAvailable(isa)) {
    return 1;
  }
  return TransposeTileLanesFor(HwyTargetOf(isa), width);
}

RowsKernel HwyKernel(Family family, int64_t width, Isa isa) {
  if (!IsKernelWidth(width) || !IsaAvailable(isa)) {
    return nullptr;
  }
  const int64_t target = HwyTargetOf(isa);
  switch (family) {
    case Family::kEmpty:
      return nullptr;
    case Family::kCopyRuns:
      return CopyRunsKernel(target, width);
    case Family::kTranspose:
      return TransposeKernel(target, width);
    case Family::kGather:
      return GatherKernel(target, width);
    case Family::kBroadcast:
      return BroadcastKernel(target, width);
    case Family::kReverse:
      return ReverseKernel(target, width);
  }
  return nullptr;
}

}  // namespace ravel
