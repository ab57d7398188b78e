"""ravel from Python: strided copies, flatten and reshape for numpy arrays, PyTorch tensors and
any object with __array_interface__ or __dlpack__, through libravel's C ABI (ctypes; no compiled
extension).

    import numpy as np, ravel
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4).transpose(2, 0, 1)
    y = ravel.ascontiguousarray(x, threads=1)       # == np.ascontiguousarray(x), bit for bit
    z = ravel.flatten(x, 1)                         # a view where PyTorch gives one, else a copy
    print(ravel.plan(x))                            # the plan: problem, kernel, backend, ISA

Results are of the argument's kind: numpy arrays for numpy arrays (and for __array_interface__ /
__dlpack__ objects), torch tensors for torch tensors. ravel copies bytes and never casts.
Every call takes the options threads= (0 = RAVEL_NUM_THREADS or all cores, 1 = calling thread),
backend= ("auto", "jit", "hwy", "reference"), isa= ("auto", "scalar", "sse4", "avx2", "avx512",
"neon", "sve") and streaming= (None = auto, True, False). A failure raises RavelError with the
library's status name and message. The library is called through ctypes.CDLL, which releases the
GIL during every call. Results are not tracked by autograd (except views, which are torch's own
as_strided). Which libravel is loaded: see ravel._capi (RAVEL_LIBRARY, else ../../build/src).
"""

import ctypes

import numpy as np

from . import _arrays
from . import _capi
from ._capi import RavelError

__all__ = ["RavelError", "ascontiguousarray", "copyto", "flatten", "reshape", "plan",
           "library_version", "LIBRARY_PATH"]

LIBRARY_PATH = _capi.LIBRARY_PATH

# The out_shape / out_strides arrays of ravel_flatten and ravel_reshape.
_RankArray = ctypes.c_int64 * _capi.MAX_RANK


def library_version():
    """The loaded libravel's version, "MAJOR.MINOR.PATCH"."""
    return _capi.lib.ravel_version().decode()


def ascontiguousarray(x, *, threads=None, backend=None, isa=None, streaming=None):
    """x as a C-contiguous array of its own kind: x itself when it already is one (as numpy's
    ascontiguousarray and torch's contiguous() do), else a dense copy made by ravel. Unlike numpy
    1.x, rank 0 stays rank 0."""
    op = _arrays.operand(x)
    if op.kind == "numpy" and x is op.obj and x.flags.c_contiguous:
        return x
    if op.kind == "torch" and x is op.obj and x.is_contiguous():
        return x
    out = _arrays.empty_like_kind(op, op.shape)
    _copy(op, _arrays.operand(out, "the result"), _capi.make_options(threads, backend, isa,
                                                                     streaming))
    return out


def copyto(dst, src, *, threads=None, backend=None, isa=None, streaming=None):
    """Copies src into dst (numpy arrays, torch tensors, __array_interface__ or __dlpack__
    objects, in any combination). src broadcasts to dst's shape as in numpy.copyto; the dtypes
    must be equal (no casting), dst must be writeable, and src and dst must not share memory
    (RavelError RAVEL_E_OVERLAP)."""
    dst_op = _arrays.operand(dst, "dst")
    src_op = _arrays.operand(src, "src")
    if not dst_op.writeable:
        raise ValueError("ravel.copyto: dst is read-only")
    if dst_op.dtype != src_op.dtype:
        raise TypeError(f"ravel.copyto copies bytes and does not cast: dst is {dst_op.dtype}, "
                        f"src is {src_op.dtype}")
    shape, strides = _broadcast(src_op, dst_op.shape)
    _copy(src_op, dst_op, _capi.make_options(threads, backend, isa, streaming), shape, strides)


def flatten(x, start_dim=0, end_dim=-1, *, threads=None, backend=None, isa=None, streaming=None):
    """torch.flatten(x, start_dim, end_dim): a view sharing x's memory exactly when PyTorch's
    flatten returns one (same data pointer and strides), else a new dense array (copied by
    ravel). Rank 0 becomes shape (1,)."""
    op = _arrays.operand(x)
    out_shape = _RankArray()
    out_strides = _RankArray()
    out_rank = ctypes.c_int32()
    is_view = ctypes.c_int()
    _capi.check(_capi.lib.ravel_flatten(ctypes.byref(_arrays.layout(op)), start_dim, end_dim,
                                        out_shape, out_strides, ctypes.byref(out_rank),
                                        ctypes.byref(is_view)))
    rank = out_rank.value
    return _view_or_copy(op, tuple(out_shape[:rank]), tuple(out_strides[:rank]), is_view.value,
                         _capi.make_options(threads, backend, isa, streaming))


def reshape(x, shape, *, threads=None, backend=None, isa=None, streaming=None):
    """torch.reshape(x, shape) (one -1 allowed): a view sharing x's memory exactly when PyTorch's
    reshape returns one (same data pointer and strides), else a new dense array (copied by
    ravel)."""
    op = _arrays.operand(x)
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    new_shape = tuple(int(n) for n in shape)
    rank = len(new_shape)
    if rank > _capi.MAX_RANK:
        raise ValueError(f"ravel.reshape: {rank} dims; ravel supports at most {_capi.MAX_RANK}")
    out_shape = _RankArray()
    out_strides = _RankArray()
    is_view = ctypes.c_int()
    _capi.check(_capi.lib.ravel_reshape(ctypes.byref(_arrays.layout(op)), _RankArray(*new_shape),
                                        rank, out_shape, out_strides, ctypes.byref(is_view)))
    return _view_or_copy(op, tuple(out_shape[:rank]), tuple(out_strides[:rank]), is_view.value,
                         _capi.make_options(threads, backend, isa, streaming))


def plan(x, dst=None, *, threads=None, backend=None, isa=None, streaming=None):
    """The plan of copying x into dst (default: a dense array of x's shape), as
    ravel_plan_describe prints it: canonical problem, kernel family, tiles, backend, ISA,
    threads."""
    op = _arrays.operand(x)
    as_bytes = op.strides is None
    dst_tensor = None
    if dst is not None:
        dst_op = _arrays.operand(dst, "dst")
        as_bytes = as_bytes or dst_op.strides is None
        dst_tensor = _arrays.dltensor(dst_op, as_bytes=as_bytes)
    handle = ctypes.c_void_p()
    _capi.check(_capi.lib.ravel_plan_create_dlpack(
        _arrays.dltensor(op, as_bytes=as_bytes), dst_tensor,
        _capi.make_options(threads, backend, isa, streaming), ctypes.byref(handle)))
    try:
        size = _capi.lib.ravel_plan_describe(handle, None, 0)
        text = ctypes.create_string_buffer(size + 1)
        _capi.lib.ravel_plan_describe(handle, text, size + 1)
        return text.value.decode()
    finally:
        _capi.lib.ravel_plan_destroy(handle)


def _broadcast(src, shape):
    """src's strides (elements) broadcast to shape, numpy's rules; (None, None) if unchanged."""
    shape = tuple(shape)
    if src.shape == shape:
        return None, None
    if len(src.shape) > len(shape):
        raise ValueError(f"ravel.copyto: src of shape {src.shape} does not broadcast to {shape}")
    if src.strides is None:
        raise ValueError("ravel.copyto: src's byte strides are not whole elements, so it cannot "
                         "be broadcast")
    lead = len(shape) - len(src.shape)
    strides = [0] * lead
    for extent, src_extent, stride in zip(shape[lead:], src.shape, src.strides):
        if src_extent == extent:
            strides.append(stride)
        elif src_extent == 1:
            strides.append(0)
        else:
            raise ValueError(f"ravel.copyto: src of shape {src.shape} does not broadcast to "
                             f"{shape}")
    return shape, tuple(strides)


def _copy(src, dst, options, src_shape=None, src_strides=None):
    """ravel_copy_dlpack of src (optionally seen with another shape and strides) into dst. An
    empty dst has nothing to copy and makes no call."""
    if 0 in dst.shape:
        return
    as_bytes = src.strides is None or dst.strides is None
    _capi.check(_capi.lib.ravel_copy_dlpack(
        _arrays.dltensor(src, src_shape, src_strides, as_bytes=as_bytes),
        _arrays.dltensor(dst, as_bytes=as_bytes), options))


def _view_or_copy(op, shape, strides, is_view, options):
    """The view (shape, strides) of op's memory when is_view, else a dense copy of op with shape.
    Numpy strides that are not whole elements always copy."""
    if is_view and op.strides is not None:
        return _arrays.view_of(op, shape, strides)
    out = _arrays.empty_like_kind(op, shape)
    # Copy op into out's memory seen with op's shape (dense, so any shape of it is the same bytes).
    out_op = _arrays.operand(out, "the result")
    out_op.shape = op.shape
    out_op.strides = _arrays.dense_strides(op.shape)
    out_op.byte_strides = tuple(stride * out_op.itemsize for stride in out_op.strides)
    _copy(op, out_op, options)
    return out
