"""ctypes bindings of libravel's C ABI (include/ravel/ravel.h and ravel_dlpack.h).

The library is loaded with ctypes.CDLL, so every call releases the GIL for its duration: copies
from several Python threads run in parallel. Which libravel is loaded:

1. the path in the environment variable RAVEL_LIBRARY, if set;
2. else the build tree's build/src/libravel.so next to this package (python/ravel -> ../../build);
3. else whatever the dynamic loader finds as libravel (an installed ravel).
"""

import ctypes
import ctypes.util
import os
import pathlib

MAX_RANK = 64  # RAVEL_MAX_RANK

# The first ravel whose ravel_options has every field below (isa and streaming came in 0.2).
_MIN_VERSION = (0, 2)

STATUS_NAMES = {
    0: "RAVEL_OK",
    1: "RAVEL_E_INVALID_ARGUMENT",
    2: "RAVEL_E_UNSUPPORTED",
    3: "RAVEL_E_OVERFLOW",
    4: "RAVEL_E_OVERLAP",
    5: "RAVEL_E_OUT_OF_MEMORY",
    6: "RAVEL_E_INTERNAL",
}

BACKENDS = {"auto": 0, "jit": 1, "hwy": 2, "reference": 3}
ISAS = {"auto": 0, "scalar": 1, "sse4": 2, "avx2": 3, "avx512": 4, "neon": 5, "sve": 6}
STREAMING = {None: 0, False: 1, True: 2}

# DLPack device types and type codes (dlpack.h; kDLBool = 6 is DLPack 0.8's).
KDL_CPU = 1
KDL_INT, KDL_UINT, KDL_FLOAT, KDL_BFLOAT, KDL_COMPLEX, KDL_BOOL = 0, 1, 2, 4, 5, 6


class RavelError(Exception):
    """A failed ravel call: status is the status name ("RAVEL_E_UNSUPPORTED", ...), code its
    number, message the library's message (ravel_last_error), which names the bad argument."""

    def __init__(self, code, message):
        self.code = code
        self.status = STATUS_NAMES.get(code, "RAVEL_E_UNKNOWN_STATUS")
        self.message = message
        super().__init__(f"{self.status}: {message}")


class Layout(ctypes.Structure):
    _fields_ = [
        ("rank", ctypes.c_int32),
        ("elem_size", ctypes.c_int64),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
    ]


_TASK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_size_t)
_PARALLEL_FOR = ctypes.CFUNCTYPE(None, ctypes.c_void_p, _TASK, ctypes.c_void_p, ctypes.c_size_t)


class Options(ctypes.Structure):
    _fields_ = [
        ("struct_size", ctypes.c_uint32),
        ("num_threads", ctypes.c_int32),
        ("backend", ctypes.c_int32),
        ("parallel_for", _PARALLEL_FOR),
        ("pool", ctypes.c_void_p),
        ("isa", ctypes.c_int32),
        ("streaming", ctypes.c_int32),
    ]


class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("device", DLDevice),
        ("ndim", ctypes.c_int),
        ("dtype", DLDataType),
        ("shape", ctypes.POINTER(ctypes.c_int64)),
        ("strides", ctypes.POINTER(ctypes.c_int64)),
        ("byte_offset", ctypes.c_uint64),
    ]


class DLManagedTensor(ctypes.Structure):
    _fields_ = [
        ("dl_tensor", DLTensor),
        ("manager_ctx", ctypes.c_void_p),
        ("deleter", ctypes.c_void_p),
    ]


def _find_library():
    """The path of the libravel to load (see the module docstring)."""
    path = os.environ.get("RAVEL_LIBRARY")
    if path:
        if not os.path.exists(path):
            raise ImportError(f"RAVEL_LIBRARY={path} does not exist")
        return path
    repo = pathlib.Path(__file__).resolve().parent.parent.parent
    candidate = repo / "build" / "src" / "libravel.so"
    if candidate.exists():
        return str(candidate)
    found = ctypes.util.find_library("ravel")
    if found:
        return found
    raise ImportError(
        "libravel not found: build it (bash tools/ravel-dev.sh build, which makes "
        f"{candidate}) or set RAVEL_LIBRARY=/path/to/libravel.so")


def _load(path):
    """Loads libravel (CDLL: calls release the GIL) and declares the functions used."""
    lib = ctypes.CDLL(path)
    c_status = ctypes.c_int
    p_i64 = ctypes.POINTER(ctypes.c_int64)
    p_options = ctypes.POINTER(Options)
    p_dl = ctypes.POINTER(DLTensor)
    prototypes = {
        "ravel_version": (ctypes.c_char_p, []),
        "ravel_status_string": (ctypes.c_char_p, [c_status]),
        "ravel_last_error": (ctypes.c_char_p, []),
        "ravel_options_init": (None, [p_options]),
        "ravel_copy": (c_status, [ctypes.c_void_p, ctypes.POINTER(Layout), ctypes.c_void_p,
                                  ctypes.POINTER(Layout), p_options]),
        "ravel_copy_dlpack": (c_status, [p_dl, p_dl, p_options]),
        "ravel_plan_create_dlpack": (c_status, [p_dl, p_dl, p_options,
                                                ctypes.POINTER(ctypes.c_void_p)]),
        "ravel_plan_describe": (ctypes.c_size_t, [ctypes.c_void_p, ctypes.c_char_p,
                                                  ctypes.c_size_t]),
        "ravel_plan_destroy": (None, [ctypes.c_void_p]),
        "ravel_flatten": (c_status, [ctypes.POINTER(Layout), ctypes.c_int32, ctypes.c_int32,
                                     p_i64, p_i64, ctypes.POINTER(ctypes.c_int32),
                                     ctypes.POINTER(ctypes.c_int)]),
        "ravel_reshape": (c_status, [ctypes.POINTER(Layout), p_i64, ctypes.c_int32, p_i64, p_i64,
                                     ctypes.POINTER(ctypes.c_int)]),
        "ravel_isa_available": (ctypes.c_int, [ctypes.c_int32]),
    }
    for name, (restype, argtypes) in prototypes.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
    version = tuple(int(part) for part in lib.ravel_version().decode().split("."))
    if version[0] != _MIN_VERSION[0] or version[:2] < _MIN_VERSION:
        raise ImportError(f"{path} is ravel {'.'.join(map(str, version))}; this package needs "
                          f"{_MIN_VERSION[0]}.x >= {'.'.join(map(str, _MIN_VERSION))}")
    return lib


LIBRARY_PATH = _find_library()
lib = _load(LIBRARY_PATH)

_capsule_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_capsule_get_pointer.restype = ctypes.c_void_p
_capsule_get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def check(status):
    """Raises RavelError with this thread's ravel_last_error() unless status is RAVEL_OK."""
    if status != 0:
        raise RavelError(status, lib.ravel_last_error().decode(errors="replace"))


def dltensor_of_capsule(capsule):
    """The DLTensor inside a "dltensor" PyCapsule from __dlpack__(). The capsule keeps it alive
    (its destructor calls the producer's deleter), so the caller keeps the capsule."""
    address = _capsule_get_pointer(capsule, b"dltensor")
    return DLManagedTensor.from_address(address).dl_tensor


def make_options(threads, backend, isa, streaming):
    """A ravel_options for the keyword arguments, or None (library defaults) when all are unset.
    threads: int (0 = RAVEL_NUM_THREADS or all cores); backend: "auto", "jit", "hwy",
    "reference"; isa: "auto", "scalar", "sse4", "avx2", "avx512", "neon", "sve"; streaming: None
    (auto), True or False."""
    if threads is None and backend is None and isa is None and streaming is None:
        return None
    options = Options()
    lib.ravel_options_init(ctypes.byref(options))
    if threads is not None:
        options.num_threads = int(threads)
    if backend is not None:
        options.backend = _enum_value("backend", backend, BACKENDS)
    if isa is not None:
        options.isa = _enum_value("isa", isa, ISAS)
    if streaming is not None:
        options.streaming = STREAMING[bool(streaming)]
    return options


def _enum_value(what, value, names):
    if isinstance(value, str):
        try:
            return names[value.lower()]
        except KeyError:
            raise ValueError(f"{what}={value!r}: expected one of {', '.join(names)}") from None
    return int(value)  # a number goes to the library, which checks it
