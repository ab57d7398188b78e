/* ravel_dlpack.h: ravel's entry points for DLPack tensors (DLTensor, dlpack.h 0.6 or later).
 *
 * A separate header, so that ravel.h never needs <dlpack/dlpack.h>: include this one only where
 * DLPack is used (Debian: libdlpack-dev). DLTensor is an anonymous typedef in dlpack.h, so it
 * cannot be forward-declared; this header includes dlpack.h itself. The functions are part of
 * libravel like every ravel_* function; nothing else changes.
 *
 * What a DLTensor must be:
 *   - device.device_type == kDLCPU (any device_id); anything else is RAVEL_E_UNSUPPORTED, pinned
 *     host memory (kDLCUDAHost, kDLROCMHost) included: pass it as kDLCPU if it is host memory.
 *   - dtype.lanes == 1, and a dtype whose element size ravel knows: bool (code 6, kDLBool of
 *     DLPack 0.8 and later), int and uint 8/16/32/64, float 16/32/64, bfloat16, complex
 *     32/64/128. Anything else is RAVEL_E_UNSUPPORTED naming the dtype.
 *   - ndim 0..RAVEL_MAX_RANK (more is RAVEL_E_UNSUPPORTED); strides in elements, any sign, or
 *     NULL = dense row-major; element (0, ..., 0) at (char*)data + byte_offset.
 * ravel copies bytes, it does not convert: src and dst need the same dtype (code, bits, lanes)
 * and the same shape. Error messages name src, dst or options and the offending field. */
#ifndef RAVEL_RAVEL_DLPACK_H_
#define RAVEL_RAVEL_DLPACK_H_

#include <dlpack/dlpack.h>

#include "ravel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Copies the tensor src into the tensor dst (same dtype and shape; dst must not be NULL, and its
   strides must not alias two elements). options NULL = defaults. Plans are cached like
   ravel_copy's. Nothing is written to dst on failure. */
RAVEL_API ravel_status ravel_copy_dlpack(const DLTensor* src, const DLTensor* dst,
                                         const ravel_options* options);

/* Plans the copy of tensors shaped like src into tensors shaped like dst, as ravel_plan_create
   does; dst NULL = dense row-major of src's shape and dtype. Only device, dtype, ndim, shape and
   strides are read: data and byte_offset are not, so execute the plan with the address of
   element (0, ..., 0), (char*)t->data + t->byte_offset, of each tensor. *plan is NULL on
   failure. */
RAVEL_API ravel_status ravel_plan_create_dlpack(const DLTensor* src, const DLTensor* dst,
                                                const ravel_options* options, ravel_plan* plan);

#ifdef __cplusplus
}
#endif

#endif /* RAVEL_RAVEL_DLPACK_H_ */
