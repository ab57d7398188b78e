"""The Python API around the copies: copyto's rules, the options, errors, odd numpy layouts,
__array_interface__ objects, loading the library, and that calls release the GIL."""

import ctypes
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import ravel
from ravel import _capi


def test_copyto_broadcasts_like_numpy():
    src = np.arange(4, dtype=np.int16)
    dst = np.zeros((3, 2, 4), np.int16)
    ravel.copyto(dst, src)
    expected = np.zeros_like(dst)
    np.copyto(expected, src)
    assert (dst == expected).all()
    column = np.arange(2, dtype=np.int16).reshape(2, 1)
    ravel.copyto(dst, column)
    np.copyto(expected, column)
    assert (dst == expected).all()
    with pytest.raises(ValueError, match="broadcast"):
        ravel.copyto(dst, np.zeros(3, np.int16))


def test_copyto_does_not_cast():
    with pytest.raises(TypeError, match="does not cast: dst is float32, src is float64"):
        ravel.copyto(np.zeros(3, np.float32), np.zeros(3, np.float64))
    with pytest.raises(TypeError):
        ravel.copyto(np.zeros(3, ">i4"), np.zeros(3, "<i4"))  # byte order is part of the dtype


def test_copyto_refuses_read_only_and_overlapping_destinations():
    with pytest.raises(ValueError, match="read-only"):
        ravel.copyto(np.broadcast_to(np.zeros(3), (2, 3)), np.ones((2, 3)))
    memory = np.arange(10.0)
    with pytest.raises(ravel.RavelError) as error:
        ravel.copyto(memory[2:], memory[:-2])
    assert error.value.status == "RAVEL_E_OVERLAP"
    assert "src and dst memory intersect" in error.value.message
    assert (memory == np.arange(10.0)).all()


def test_options_reach_the_plan():
    x = np.zeros((64, 48), np.float32).T
    assert "threads: 1" in ravel.plan(x, threads=1)
    assert "backend: reference" in ravel.plan(x, backend="reference")
    assert "isa: scalar" in ravel.plan(x, isa="scalar")
    assert "streaming: on" in ravel.plan(x, streaming=True)
    assert "streaming: off" in ravel.plan(x, streaming=False)
    described = ravel.plan(x, np.zeros((48, 64), np.float32))
    assert "transpose" in described
    for options in [{"threads": 1}, {"threads": 2}, {"backend": "reference"},
                    {"backend": "hwy"}, {"isa": "sse4"}, {"streaming": True}]:
        y = ravel.ascontiguousarray(np.arange(48 * 64, dtype=np.float32).reshape(64, 48).T,
                                    **options)
        assert (y == np.arange(48 * 64, dtype=np.float32).reshape(64, 48).T).all(), options


def test_bad_options():
    x = np.zeros((4, 4)).T
    with pytest.raises(ValueError, match="backend='gpu'"):
        ravel.ascontiguousarray(x, backend="gpu")
    with pytest.raises(ravel.RavelError) as error:
        ravel.ascontiguousarray(x, threads=-1)
    assert error.value.status == "RAVEL_E_INVALID_ARGUMENT"
    assert "options->num_threads is -1" in error.value.message
    assert str(error.value).startswith("RAVEL_E_INVALID_ARGUMENT: options->num_threads")
    # The JIT backend copies where it is built (x86-64 with AVX2), else it is UNSUPPORTED.
    try:
        np.testing.assert_array_equal(ravel.ascontiguousarray(x, backend="jit"), np.ascontiguousarray(x))
    except ravel.RavelError as error:
        assert error.status == "RAVEL_E_UNSUPPORTED"
    with pytest.raises(ravel.RavelError) as error:
        ravel.ascontiguousarray(x, backend=17)
    assert "options->backend is 17" in error.value.message


def test_an_isa_the_cpu_lacks():
    missing = [name for name, value in _capi.ISAS.items()
               if value > 0 and not _capi.lib.ravel_isa_available(value)]
    if not missing:
        pytest.skip("this CPU runs every ISA the build has")
    with pytest.raises(ravel.RavelError) as error:
        ravel.ascontiguousarray(np.zeros((4, 4)).T, isa=missing[0])
    assert error.value.status == "RAVEL_E_UNSUPPORTED"
    assert missing[0] in error.value.message


def test_element_types_ravel_does_not_copy():
    with pytest.raises(TypeError, match="dtype object"):
        ravel.ascontiguousarray(np.array([1, "a"], dtype=object)[::-1])
    with pytest.raises(TypeError):
        ravel.ascontiguousarray([1, 2, 3])
    if np.dtype(np.longdouble).itemsize == 16:  # float128 reaches the library, which refuses it
        with pytest.raises(ravel.RavelError) as error:
            ravel.ascontiguousarray(np.zeros((3, 3), np.longdouble).T)
        assert error.value.status == "RAVEL_E_UNSUPPORTED"
        assert "bits 128" in error.value.message


def test_strides_that_are_not_whole_elements():
    """A record field: 4-byte elements 5 bytes apart. Copied as bytes; reshape copies."""
    records = np.zeros(7, dtype=[("a", "<i4"), ("b", "i1")])
    records["a"] = np.arange(7) * 1000003
    field = records["a"]
    assert field.strides == (5,)
    assert (ravel.ascontiguousarray(field[::-2]) == field[::-2]).all()
    reshaped = ravel.reshape(field[:6], (2, 3))
    assert not np.shares_memory(reshaped, records)
    assert (reshaped == field[:6].reshape(2, 3)).all()
    ravel.copyto(field, np.arange(7, dtype="<i4")[::-1])
    assert (records["a"] == np.arange(7)[::-1]).all()
    assert (records["b"] == 0).all()
    assert ravel.plan(field[::-1]).startswith("problem:")


def test_array_interface_objects():
    class Exposed:
        def __init__(self, array):
            self.__array_interface__ = array.__array_interface__
            self.keep = array

    base = np.arange(30, dtype=np.uint16).reshape(5, 6)
    view = Exposed(base.T[::2])
    assert (ravel.ascontiguousarray(view) == base.T[::2]).all()
    flat = ravel.reshape(Exposed(base[:, 1:3]), (10,))
    assert (flat == base[:, 1:3].reshape(10)).all()
    target = np.zeros((6, 5), np.uint16)
    ravel.copyto(Exposed(target), base.T)
    assert (target == base.T).all()


def test_numpy_views_are_numpy_views():
    x = np.arange(24.0).reshape(2, 3, 4)
    view = ravel.reshape(x.transpose(2, 0, 1), (4, 6))
    assert np.shares_memory(view, x)
    view[0, 1] = -1
    assert x[0, 1, 0] == -1
    frozen = np.broadcast_to(np.arange(3.0), (4, 3))
    assert not ravel.flatten(frozen, 0, 0).flags.writeable


def test_calls_release_the_gil():
    """ctypes.CDLL (not PyDLL) functions drop the GIL for the call; and copies from many Python
    threads at once are correct (the error message is per thread)."""
    assert not isinstance(_capi.lib, ctypes.PyDLL)
    assert not _capi.lib.ravel_copy_dlpack._flags_ & ctypes._FUNCFLAG_PYTHONAPI
    source = np.arange(256 * 256, dtype=np.float32).reshape(256, 256)
    failures = []

    def work(seed):
        rng = np.random.default_rng(seed)
        for _ in range(50):
            view = source[::int(rng.integers(1, 4)), ::-1].T
            if not np.array_equal(ravel.ascontiguousarray(view, threads=1), view):
                failures.append(seed)
            try:
                ravel.ascontiguousarray(view, threads=-int(rng.integers(1, 9)))
            except ravel.RavelError as error:
                if "options->num_threads" not in error.message:
                    failures.append(error.message)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


def test_library_version_and_path():
    assert ravel.library_version().count(".") == 2
    assert os.path.exists(ravel.LIBRARY_PATH) or "/" not in ravel.LIBRARY_PATH


def test_missing_library_is_a_clear_import_error():
    env = dict(os.environ, RAVEL_LIBRARY="/nonexistent/libravel.so")
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(ravel.__file__)))
    result = subprocess.run([sys.executable, "-c", "import ravel"], env=env, cwd=package_dir,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "RAVEL_LIBRARY=/nonexistent/libravel.so does not exist" in result.stderr
