"""DLPack from Python: objects that expose only __dlpack__ go through their capsule's DLTensor
into ravel_copy_dlpack; results go back through torch.utils.dlpack and np.from_dlpack. And the
library's DLPack checks (device, lanes, dtype) surface as RavelError."""

import ctypes

import numpy as np
import pytest

import ravel
from ravel import _capi
from conftest import base_seed
import test_numpy_random

torch = pytest.importorskip("torch")
from torch_helpers import DTYPES, contiguous_bytes, random_tensor  # noqa: E402
import test_torch_random  # noqa: E402

ROUND_TRIPS = 300
# torch 1.13's DLPack exporter has no bool (DLPack 0.6 had none); numpy has no bfloat16.
TORCH_TO_NUMPY = [dtype for dtype in DTYPES if dtype not in (torch.bool, torch.bfloat16)]
# numpy 1.24's exporter: int, uint, float and complex.
NUMPY_EXPORTS = set(np.dtype(d) for d in test_numpy_random.DTYPES) - {np.dtype(np.bool_)}


class DLPackOnly:
    """Exposes an array through __dlpack__ alone: ravel cannot see it any other way."""

    def __init__(self, array):
        self.array = array
        self.exports = 0

    def __dlpack__(self, stream=None):
        self.exports += 1
        return self.array.__dlpack__()

    def __dlpack_device__(self):
        return self.array.__dlpack_device__()


def torch_case(index):
    """A random torch view of a dtype torch exports through DLPack and numpy has."""
    for attempt in range(100):
        _, view, description = test_torch_random.random_case(index * 100 + attempt)
        if view.dtype in TORCH_TO_NUMPY:
            return view, description
    raise AssertionError("no exportable case")


@pytest.mark.parametrize("index", range(0, ROUND_TRIPS, 30))
def test_torch_to_ravel_to_torch(index):
    """torch view -> (capsule) ravel.ascontiguousarray -> numpy -> torch.utils.dlpack ->
    torch: equal to x.contiguous(), and torch imports ravel's result without a copy."""
    for case in range(index, index + 30):
        view, description = torch_case(case)
        source = DLPackOnly(view)
        result = ravel.ascontiguousarray(source)
        assert source.exports == 1, description  # read through the capsule
        assert isinstance(result, np.ndarray) and result.flags.c_contiguous, description
        back = torch.utils.dlpack.from_dlpack(result)
        if result.size > 0:
            assert back.data_ptr() == result.__array_interface__["data"][0], description
        assert tuple(back.shape) == tuple(view.shape), description
        assert contiguous_bytes(back) == contiguous_bytes(view), description


def test_bfloat16_through_dlpack_needs_a_torch_result():
    """numpy has no bfloat16: copying a bfloat16 capsule needs a torch destination."""
    x = random_tensor(torch.Generator().manual_seed(1), torch.bfloat16, (4, 6)).t()
    with pytest.raises(TypeError, match="bfloat16"):
        ravel.ascontiguousarray(DLPackOnly(x))
    out = torch.empty(6, 4, dtype=torch.bfloat16)
    ravel.copyto(DLPackOnly(out), DLPackOnly(x))
    assert torch.equal(out.view(torch.int16), x.contiguous().view(torch.int16))


@pytest.mark.parametrize("index", range(0, ROUND_TRIPS, 30))
def test_numpy_to_ravel_to_numpy(index):
    """numpy view (negative strides included) -> (capsule) ravel -> numpy -> np.from_dlpack:
    equal to np.ascontiguousarray bit for bit, imported without a copy."""
    checked = 0
    for case in range(index * 7, index * 7 + 200):
        view, description, _ = test_numpy_random.random_case(case)
        if view.dtype not in NUMPY_EXPORTS or not view.flags.writeable:
            continue  # numpy 1.24 exports neither bool nor read-only (broadcast) arrays
        result = ravel.ascontiguousarray(DLPackOnly(view))
        imported = np.from_dlpack(result)
        assert np.shares_memory(imported, result) or result.size == 0, description
        assert imported.tobytes() == np.ascontiguousarray(view).tobytes(), description
        checked += 1
        if checked == 30:
            break
    assert checked == 30


def test_torch_to_numpy_through_from_dlpack():
    """np.from_dlpack(torch view) gives numpy the torch strides; ravel copies that."""
    for case in range(200):
        view, description = torch_case(case)
        as_numpy = np.from_dlpack(view)
        assert ravel.ascontiguousarray(as_numpy).tobytes() == contiguous_bytes(view), description


def test_copyto_between_capsules_and_frameworks():
    src = torch.arange(60, dtype=torch.int32).reshape(3, 4, 5).permute(2, 0, 1)
    dst = torch.zeros(5, 3, 4, dtype=torch.int32)
    ravel.copyto(DLPackOnly(dst), DLPackOnly(src))
    assert torch.equal(dst, src.contiguous())
    numpy_dst = np.zeros((5, 3, 4), np.int32)
    ravel.copyto(numpy_dst, DLPackOnly(src))
    assert (numpy_dst == src.contiguous().numpy()).all()
    torch_dst = torch.zeros(5, 3, 4, dtype=torch.int32)
    ravel.copyto(torch_dst, DLPackOnly(numpy_dst[::-1]))
    assert (torch_dst.numpy() == numpy_dst[::-1]).all()


def test_views_of_capsules():
    """flatten/reshape of a __dlpack__ object: a numpy view when torch's rule gives one."""
    x = np.arange(24, dtype=np.float64).reshape(2, 3, 4).transpose(2, 0, 1)  # strides 1, 12, 4
    view = ravel.flatten(DLPackOnly(x), 1, 2)
    assert np.shares_memory(view, x)
    assert view.strides == (8, 32)
    assert (view == x.reshape(4, 6)).all()
    copy = ravel.flatten(DLPackOnly(x), 0, 1)
    assert not np.shares_memory(copy, x)
    assert (copy == x.reshape(8, 3)).all()


# ---- The library's DLPack checks, from a hand-made producer ---------------------------------

class HandMadeCapsule:
    """A __dlpack__ producer built with ctypes, to send what numpy and torch never send."""

    _new = ctypes.pythonapi.PyCapsule_New
    _new.restype = ctypes.py_object
    _new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]

    def __init__(self, device_type=1, code=2, bits=32, lanes=1, byte_offset=0):
        self.memory = np.arange(12, dtype=np.float32)
        self.shape = (ctypes.c_int64 * 2)(3, 4)
        self.managed = _capi.DLManagedTensor()
        tensor = self.managed.dl_tensor
        tensor.data = self.memory.__array_interface__["data"][0]
        tensor.device = _capi.DLDevice(device_type, 0)
        tensor.ndim = 2
        tensor.dtype = _capi.DLDataType(code, bits, lanes)
        tensor.shape = self.shape
        tensor.strides = None
        tensor.byte_offset = byte_offset

    def __dlpack__(self, stream=None):
        # No destructor: the memory belongs to this object, which outlives the call.
        return self._new(ctypes.addressof(self.managed), b"dltensor", None)


def test_hand_made_capsule_copies():
    out = np.empty((3, 4), np.float32)
    ravel.copyto(out, HandMadeCapsule())
    assert (out == np.arange(12, dtype=np.float32).reshape(3, 4)).all()
    # byte_offset moves element zero by bytes: 4 floats.
    source = HandMadeCapsule(byte_offset=16)
    source.shape[0] = 2
    out = np.empty((2, 4), np.float32)
    ravel.copyto(out, source)
    assert (out == np.arange(4, 12, dtype=np.float32).reshape(2, 4)).all()


@pytest.mark.parametrize("fields,expected", [
    ({"device_type": 2}, "src->device is kDLCUDA"),
    ({"device_type": 8}, "src->device is kDLMetal"),
    ({"lanes": 4}, "src->dtype.lanes is 4"),
    ({"code": 3, "bits": 32}, "src->dtype is {code 3 (kDLOpaqueHandle), bits 32"),
    ({"code": 2, "bits": 8}, "src->dtype is {code 2 (kDLFloat), bits 8"),
    ({"code": 9, "bits": 32}, "src->dtype is {code 9 (an unknown type code), bits 32"),
], ids=["cuda", "metal", "lanes4", "opaque", "float8", "unknown_code"])
def test_unsupported_tensors_raise_the_librarys_message(fields, expected):
    dst = HandMadeCapsule(**fields)
    dst.memory[:] = 7
    with pytest.raises(ravel.RavelError) as error:
        ravel.copyto(dst, HandMadeCapsule(**fields))
    assert error.value.status == "RAVEL_E_UNSUPPORTED"
    assert expected in error.value.message
    assert (dst.memory == 7).all()  # untouched
    with pytest.raises(ravel.RavelError) as error:
        ravel.plan(HandMadeCapsule(**fields))
    assert error.value.status == "RAVEL_E_UNSUPPORTED"
    assert expected in error.value.message


def test_non_cpu_torch_tensor_is_refused_by_the_library():
    x = torch.empty(3, 4, device="meta")
    with pytest.raises(ravel.RavelError) as error:
        ravel.ascontiguousarray(x.t())
    assert error.value.status == "RAVEL_E_UNSUPPORTED"
    assert "src->device" in error.value.message


def test_seed_is_reported():
    # The random tests name their seed in every failure; RAVEL_TEST_SEED replays another.
    assert isinstance(base_seed(), int)
