"""What the wrapper knows about one array: numpy arrays, PyTorch tensors, objects with
__array_interface__ (read through numpy, without a copy) and objects with __dlpack__ (read
through their DLPack capsule, whose DLTensor goes to ravel_copy_dlpack as it is)."""

import ctypes
import sys

import numpy as np

from . import _capi

# Element types: name -> (DLPack type code, bits). Names are numpy's and PyTorch's.
DTYPES = {
    "bool": (_capi.KDL_BOOL, 8),
    "int8": (_capi.KDL_INT, 8),
    "int16": (_capi.KDL_INT, 16),
    "int32": (_capi.KDL_INT, 32),
    "int64": (_capi.KDL_INT, 64),
    "uint8": (_capi.KDL_UINT, 8),
    "uint16": (_capi.KDL_UINT, 16),
    "uint32": (_capi.KDL_UINT, 32),
    "uint64": (_capi.KDL_UINT, 64),
    "float16": (_capi.KDL_FLOAT, 16),
    "float32": (_capi.KDL_FLOAT, 32),
    "float64": (_capi.KDL_FLOAT, 64),
    "bfloat16": (_capi.KDL_BFLOAT, 16),
    "complex32": (_capi.KDL_COMPLEX, 32),
    "complex64": (_capi.KDL_COMPLEX, 64),
    "complex128": (_capi.KDL_COMPLEX, 128),
}
_NAMES_OF_CODES = {code_bits: name for name, code_bits in DTYPES.items()}

# numpy dtype kinds whose bytes can be copied: bool, int, uint, float, complex. (Objects hold
# references, strings and records are not tensors; float128/complex256 reach the library, which
# answers RAVEL_E_UNSUPPORTED.)
_NUMPY_KINDS = {"b": _capi.KDL_BOOL, "i": _capi.KDL_INT, "u": _capi.KDL_UINT,
                "f": _capi.KDL_FLOAT, "c": _capi.KDL_COMPLEX}

# PyTorch device types as DLPack device types (the library rejects all but kDLCPU).
_TORCH_DEVICES = {"cpu": 1, "cuda": 2, "opencl": 4, "vulkan": 7, "mps": 8, "hip": 10}
_KDL_EXT_DEV = 12


def torch_module():
    """torch if the program has imported it (ravel never imports it itself), else None."""
    return sys.modules.get("torch")


class Operand:
    """One array as ravel sees it: address of element (0, ..., 0), shape, strides in elements
    (None when a numpy byte stride is not a multiple of the item size), dtype, and the object
    that keeps the memory alive."""

    __slots__ = ("kind", "obj", "ptr", "shape", "strides", "byte_strides", "itemsize", "dtype",
                 "code", "bits", "device", "writeable", "capsule", "dl")

    def element_strides_or_bytes(self):
        """(shape, strides, itemsize) in elements, or in bytes with a trailing dim of itemsize
        bytes when the strides are not whole elements."""
        if self.strides is not None:
            return self.shape, self.strides, self.itemsize
        return self.shape + (self.itemsize,), self.byte_strides + (1,), 1


def operand(x, what="x"):
    """Describes x (numpy array, torch tensor, __array_interface__ or __dlpack__ object)."""
    if isinstance(x, np.ndarray):
        return _numpy_operand(x, what)
    torch = torch_module()
    if torch is not None and isinstance(x, torch.Tensor):
        return _torch_operand(x, what)
    if hasattr(x, "__array_interface__"):
        return _numpy_operand(np.asarray(x), what)  # numpy reads the interface without copying
    if hasattr(x, "__dlpack__"):
        return _dlpack_operand(x, what)
    raise TypeError(f"ravel: {what} is a {type(x).__name__}; expected a numpy array, a torch "
                    "tensor or an object with __array_interface__ or __dlpack__")


def _numpy_operand(x, what):
    dtype = x.dtype
    if dtype.kind not in _NUMPY_KINDS:
        raise TypeError(f"ravel: {what} has dtype {dtype}; ravel copies bool, int, uint, float "
                        "and complex elements")
    op = Operand()
    op.kind = "numpy"
    op.obj = x
    op.ptr = x.__array_interface__["data"][0]
    op.shape = x.shape
    op.itemsize = dtype.itemsize
    op.byte_strides = x.strides
    if all(stride % op.itemsize == 0 for stride in x.strides):
        op.strides = tuple(stride // op.itemsize for stride in x.strides)
    else:
        op.strides = None
    op.dtype = dtype.name if dtype.isnative else dtype.str
    op.code = _NUMPY_KINDS[dtype.kind]
    op.bits = 8 * dtype.itemsize
    op.device = (_capi.KDL_CPU, 0)
    op.writeable = x.flags.writeable
    op.capsule = None
    op.dl = None
    return op


def _torch_operand(x, what):
    if x.is_quantized or x.layout != torch_module().strided:
        raise TypeError(f"ravel: {what} is a {x.layout} {x.dtype} tensor; ravel copies strided "
                        "tensors of plain element types")
    if x.is_conj() or x.is_neg():
        x = x.resolve_conj().resolve_neg()  # the bytes in memory are not the values
    name = str(x.dtype).replace("torch.", "")
    if name not in DTYPES:
        raise TypeError(f"ravel: {what} has dtype {x.dtype}, which ravel does not copy")
    op = Operand()
    op.kind = "torch"
    op.obj = x
    op.ptr = x.data_ptr()
    op.shape = tuple(x.shape)
    op.itemsize = x.element_size()
    op.strides = tuple(x.stride())
    op.byte_strides = tuple(stride * op.itemsize for stride in op.strides)
    op.dtype = name
    op.code, op.bits = DTYPES[name]
    op.device = (_TORCH_DEVICES.get(x.device.type, _KDL_EXT_DEV), x.device.index or 0)
    op.writeable = True
    op.capsule = None
    op.dl = None
    return op


def _dlpack_operand(x, what):
    capsule = x.__dlpack__()
    dl = _capi.dltensor_of_capsule(capsule)
    op = Operand()
    op.kind = "dlpack"
    op.obj = x
    op.capsule = capsule  # owns dl; its destructor calls the producer's deleter
    op.dl = dl
    op.shape = tuple(dl.shape[d] for d in range(dl.ndim))
    op.code, op.bits = dl.dtype.code, dl.dtype.bits
    op.itemsize = max(1, op.bits // 8)
    if dl.strides:
        op.strides = tuple(dl.strides[d] for d in range(dl.ndim))
    else:
        op.strides = dense_strides(op.shape)
    op.byte_strides = tuple(stride * op.itemsize for stride in op.strides)
    op.ptr = (dl.data or 0) + dl.byte_offset
    op.dtype = _NAMES_OF_CODES.get((op.code, op.bits), f"dlpack(code={op.code}, bits={op.bits})")
    op.device = (dl.device.device_type, dl.device.device_id)
    op.writeable = True
    return op


def dense_strides(shape):
    """Row-major strides in elements (PyTorch's: extents 0 and 1 count as 1)."""
    strides = [1] * len(shape)
    for d in range(len(shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * max(shape[d + 1], 1)
    return tuple(strides)


def dltensor(op, shape=None, strides=None, as_bytes=False):
    """A DLTensor for op, or for op's memory with another shape and strides (elements). The
    producer's own DLTensor when op came from __dlpack__ and nothing changes. as_bytes: uint8
    elements with a trailing dim of itemsize bytes (for numpy strides that are not whole
    elements)."""
    if op.dl is not None and shape is None and strides is None and not as_bytes:
        return ctypes.pointer(op.dl)
    if shape is None:
        shape, strides = op.shape, op.strides
    code, bits = op.code, op.bits
    if as_bytes:
        if strides is not None:
            byte_strides = tuple(stride * op.itemsize for stride in strides)
        else:
            byte_strides = op.byte_strides
        shape = tuple(shape) + (op.itemsize,)
        strides = byte_strides + (1,)
        code, bits = _capi.KDL_UINT, 8
    rank = len(shape)
    tensor = _capi.DLTensor()
    tensor.data = op.ptr or None
    tensor.device = _capi.DLDevice(*op.device)
    tensor.ndim = rank
    tensor.dtype = _capi.DLDataType(code, bits, 1)
    # Assigning ctypes arrays to the pointer fields keeps them alive with the struct.
    tensor.shape = (ctypes.c_int64 * rank)(*shape) if rank else None
    tensor.strides = (ctypes.c_int64 * rank)(*strides) if strides is not None and rank else None
    tensor.byte_offset = 0
    return ctypes.pointer(tensor)


def layout(op):
    """A ravel_layout of op's shape and element strides (for flatten and reshape)."""
    rank = len(op.shape)
    result = _capi.Layout()
    result.rank = rank
    result.elem_size = op.itemsize
    result.shape = (ctypes.c_int64 * rank)(*op.shape) if rank else None
    strides = op.strides if op.strides is not None else dense_strides(op.shape)
    result.strides = (ctypes.c_int64 * rank)(*strides) if rank else None
    return result


def numpy_dtype(op, what):
    """The numpy dtype of a result made from op."""
    if op.kind == "numpy":
        return op.obj.dtype
    try:
        return np.dtype(op.dtype)
    except TypeError:
        raise TypeError(f"ravel: {what} has dtype {op.dtype}, which numpy does not have; pass a "
                        "torch tensor to get a torch tensor back") from None


def empty_like_kind(op, shape, what="x"):
    """A new dense array of op's kind (torch for torch, numpy otherwise) and dtype."""
    if op.kind == "torch":
        return torch_module().empty(shape, dtype=op.obj.dtype, device=op.obj.device)
    return np.empty(shape, dtype=numpy_dtype(op, what))


def view_of(op, shape, strides, what="x"):
    """A view of op's memory with shape and strides (elements), of op's kind."""
    if op.kind == "torch":
        return op.obj.as_strided(shape, strides)
    if op.kind == "numpy":
        base = op.obj
    else:
        try:
            base = np.from_dlpack(op.obj)
        except (TypeError, RuntimeError, BufferError) as error:
            raise TypeError(f"ravel: a view of {what} needs numpy to import it through DLPack: "
                            f"{error}") from None
    byte_strides = tuple(stride * op.itemsize for stride in strides)
    return np.lib.stride_tricks.as_strided(base, shape=shape, strides=byte_strides)
