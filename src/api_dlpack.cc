// The DLPack entry points: read a DLTensor into a layout (device, dtype, ndim, byte_offset and
// strides checked, every message naming src or dst), then hand the copy to ravel_copy or
// ravel_plan_create.
#include <cstdint>
#include <string>

#include "error.h"
#include "layout.h"
#include "ravel/ravel.h"
#include "ravel/ravel_dlpack.h"

namespace ravel {
namespace {

// kDLBool, added in DLPack 0.8; the 0.6 header has no bool code.
constexpr uint8_t kDLBoolCode = 6;
constexpr int kBitsPerByte = 8;

// A DLTensor read and validated: its layout and the address of element (0, ..., 0).
struct DLOperand {
  Layout layout;
  char* data = nullptr;
};

// The view of a validated layout that the ravel_* entry points take.
ravel_layout AsRavelLayout(const Layout& layout) {
  return ravel_layout{layout.rank, layout.elem_size, layout.shape, layout.strides};
}

// dlpack.h's name of a device type, for messages.
const char* DeviceTypeName(int32_t type) {
  switch (type) {
    case kDLCPU:
      return "kDLCPU";
    case kDLCUDA:
      return "kDLCUDA";
    case kDLCUDAHost:
      return "kDLCUDAHost";
    case kDLOpenCL:
      return "kDLOpenCL";
    case kDLVulkan:
      return "kDLVulkan";
    case kDLMetal:
      return "kDLMetal";
    case kDLVPI:
      return "kDLVPI";
    case kDLROCM:
      return "kDLROCM";
    case kDLROCMHost:
      return "kDLROCMHost";
    case kDLExtDev:
      return "kDLExtDev";
    case kDLCUDAManaged:
      return "kDLCUDAManaged";
    default:
      return "an unknown device type";
  }
}

// dlpack.h's name of a type code, for messages.
const char* TypeCodeName(uint8_t code) {
  switch (code) {
    case kDLInt:
      return "kDLInt";
    case kDLUInt:
      return "kDLUInt";
    case kDLFloat:
      return "kDLFloat";
    case kDLOpaqueHandle:
      return "kDLOpaqueHandle";
    case kDLBfloat:
      return "kDLBfloat";
    case kDLComplex:
      return "kDLComplex";
    case kDLBoolCode:
      return "kDLBool";
    default:
      return "an unknown type code";
  }
}

// True when ravel knows the element size of (code, bits): the dtypes numpy and PyTorch exchange.
bool KnownDType(uint8_t code, uint8_t bits) {
  switch (code) {
    case kDLInt:
    case kDLUInt:
      return bits == 8 || bits == 16 || bits == 32 || bits == 64;
    case kDLFloat:
      return bits == 16 || bits == 32 || bits == 64;
    case kDLBfloat:
      return bits == 16;
    case kDLComplex:
      return bits == 32 || bits == 64 || bits == 128;
    case kDLBoolCode:
      return bits == 8;
    default:
      return false;
  }
}

// Checks device, dtype, ndim and byte_offset of *tensor (named `name` in messages) and reads its
// layout; with read_data, also the address of element (0, ..., 0).
ravel_status ReadTensor(const DLTensor* tensor, const char* name, bool read_data, DLOperand* out) {
  if (tensor == nullptr) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "%s is NULL", name);
  }
  const int32_t device_type = static_cast<int32_t>(tensor->device.device_type);
  if (device_type != kDLCPU) {
    return Fail(RAVEL_E_UNSUPPORTED,
                "%s->device is %s (device_type %d, device_id %d); ravel copies CPU memory "
                "(kDLCPU) only",
                name, DeviceTypeName(device_type), device_type, tensor->device.device_id);
  }
  const DLDataType dtype = tensor->dtype;
  if (dtype.lanes != 1) {
    return Fail(RAVEL_E_UNSUPPORTED, "%s->dtype.lanes is %u; ravel supports lanes = 1 only", name,
                static_cast<unsigned>(dtype.lanes));
  }
  if (!KnownDType(dtype.code, dtype.bits)) {
    return Fail(RAVEL_E_UNSUPPORTED,
                "%s->dtype is {code %u (%s), bits %u, lanes 1}, a dtype of unknown element size; "
                "ravel knows bool, int/uint 8-64, float 16/32/64, bfloat16, complex 32/64/128",
                name, static_cast<unsigned>(dtype.code), TypeCodeName(dtype.code),
                static_cast<unsigned>(dtype.bits));
  }
  if (tensor->ndim < 0) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "%s->ndim is %d; it must be >= 0", name, tensor->ndim);
  }
  if (tensor->ndim > RAVEL_MAX_RANK) {
    return Fail(RAVEL_E_UNSUPPORTED, "%s->ndim is %d; ravel supports at most %d dims", name,
                tensor->ndim, RAVEL_MAX_RANK);
  }
  const ravel_layout layout{tensor->ndim, dtype.bits / kBitsPerByte, tensor->shape,
                            tensor->strides};
  RAVEL_RETURN_IF_ERROR(ReadLayout(&layout, name, &out->layout));
  if (!read_data) {
    return RAVEL_OK;
  }
  if (tensor->byte_offset > static_cast<uint64_t>(INTPTR_MAX)) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "%s->byte_offset is %llu; it must be <= %lld", name,
                static_cast<unsigned long long>(tensor->byte_offset),
                static_cast<long long>(INTPTR_MAX));
  }
  const uintptr_t base = reinterpret_cast<uintptr_t>(tensor->data);
  const uintptr_t offset = static_cast<uintptr_t>(tensor->byte_offset);
  if (base == 0) {
    // ravel_copy reports a NULL pointer for a non-empty copy and accepts it for an empty one.
    out->data = nullptr;
  } else if (base > UINTPTR_MAX - offset) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "%s->data + %s->byte_offset overflows the address space",
                name, name);
  } else {
    out->data = reinterpret_cast<char*>(base + offset);
  }
  return RAVEL_OK;
}

// Formats a dtype as "{code C (NAME), bits B, lanes L}".
std::string DTypeString(const DLDataType& dtype) {
  return "{code " + std::to_string(dtype.code) + " (" + TypeCodeName(dtype.code) + "), bits " +
         std::to_string(dtype.bits) + ", lanes " + std::to_string(dtype.lanes) + "}";
}

// dst must have src's dtype (ravel copies bytes, it never converts) and shape.
ravel_status CheckSameTensorType(const DLTensor& src, const DLTensor& dst) {
  if (src.dtype.code != dst.dtype.code || src.dtype.bits != dst.dtype.bits ||
      src.dtype.lanes != dst.dtype.lanes) {
    return Fail(RAVEL_E_INVALID_ARGUMENT,
                "dst->dtype is %s but src->dtype is %s; ravel copies, it does not convert",
                DTypeString(dst.dtype).c_str(), DTypeString(src.dtype).c_str());
  }
  if (src.ndim != dst.ndim) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "dst->ndim is %d but src->ndim is %d", dst.ndim,
                src.ndim);
  }
  for (int d = 0; d < src.ndim; ++d) {
    if (src.shape[d] != dst.shape[d]) {
      return Fail(RAVEL_E_INVALID_ARGUMENT, "dst->shape[%d] is %lld but src->shape[%d] is %lld", d,
                  static_cast<long long>(dst.shape[d]), d, static_cast<long long>(src.shape[d]));
    }
  }
  return RAVEL_OK;
}

// The core entry points name their layout arguments src_layout and dst_layout; a DLPack caller
// passed src and dst. Re-records a failure's message with those names.
ravel_status NameTensors(ravel_status status) {
  if (status == RAVEL_OK) {
    return status;
  }
  std::string message = LastError();
  for (const char* suffix : {"src", "dst"}) {
    const std::string from = std::string(suffix) + "_layout";
    for (size_t at = message.find(from); at != std::string::npos; at = message.find(from, at + 1)) {
      message.replace(at, from.size(), suffix);
    }
  }
  return Fail(status, "%s", message.c_str());
}

}  // namespace
}  // namespace ravel

extern "C" {

ravel_status ravel_copy_dlpack(const DLTensor* src, const DLTensor* dst,
                               const ravel_options* options) {
  return ravel::Guarded([&] {
    ravel::DLOperand from;
    RAVEL_RETURN_IF_ERROR(ravel::ReadTensor(src, "src", /*read_data=*/true, &from));
    if (dst == nullptr) {
      return ravel::Fail(RAVEL_E_INVALID_ARGUMENT,
                         "dst is NULL; ravel_copy_dlpack needs a destination tensor");
    }
    ravel::DLOperand to;
    RAVEL_RETURN_IF_ERROR(ravel::ReadTensor(dst, "dst", /*read_data=*/true, &to));
    RAVEL_RETURN_IF_ERROR(ravel::CheckSameTensorType(*src, *dst));
    const ravel_layout src_layout = ravel::AsRavelLayout(from.layout);
    const ravel_layout dst_layout = ravel::AsRavelLayout(to.layout);
    return ravel::NameTensors(ravel_copy(from.data, &src_layout, to.data, &dst_layout, options));
  });
}

ravel_status ravel_plan_create_dlpack(const DLTensor* src, const DLTensor* dst,
                                      const ravel_options* options, ravel_plan* plan) {
  if (plan != nullptr) {
    *plan = nullptr;
  }
  return ravel::Guarded([&] {
    if (plan == nullptr) {
      return ravel::Fail(RAVEL_E_INVALID_ARGUMENT, "plan is NULL");
    }
    ravel::DLOperand from;
    RAVEL_RETURN_IF_ERROR(ravel::ReadTensor(src, "src", /*read_data=*/false, &from));
    const ravel_layout src_layout = ravel::AsRavelLayout(from.layout);
    if (dst == nullptr) {
      return ravel::NameTensors(ravel_plan_create(&src_layout, nullptr, options, plan));
    }
    ravel::DLOperand to;
    RAVEL_RETURN_IF_ERROR(ravel::ReadTensor(dst, "dst", /*read_data=*/false, &to));
    RAVEL_RETURN_IF_ERROR(ravel::CheckSameTensorType(*src, *dst));
    const ravel_layout dst_layout = ravel::AsRavelLayout(to.layout);
    return ravel::NameTensors(ravel_plan_create(&src_layout, &dst_layout, options, plan));
  });
}

}  // extern "C"
