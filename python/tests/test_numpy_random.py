"""10,000 seeded random numpy views (negative steps, steps, transposes, integer indices, new
axes, np.broadcast_to; every dtype, bool and complex included; random options):
ravel.ascontiguousarray must equal np.ascontiguousarray bit for bit (float bytes are random, so
NaN payloads and negative zeros must survive)."""

import math

import numpy as np
import pytest

import ravel
from conftest import base_seed

CASES = 10_000
CHUNKS = 20
MAX_ELEMENTS = 4096
MAX_RANK = 6

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
          np.uint64, np.float16, np.float32, np.float64, np.complex64, np.complex128]
EXTENTS = [0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 9, 16, 17, 31]
LARGE_SHAPES = [(257, 129), (64, 64, 3), (8, 3, 32, 33), (1000, 7), (4097,)]
OPTIONS = [{}] * 12 + [{"threads": 1}, {"threads": 2}, {"backend": "reference"},
                       {"isa": "scalar"}, {"streaming": True}, {"threads": 2, "isa": "scalar"}]


def random_bytes_array(rng, dtype, shape):
    """A dense array of random bytes (random 0/1 for bool)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    count = math.prod(shape)
    raw = rng.integers(0, 256, size=count * dtype.itemsize, dtype=np.uint8)
    return raw.view(dtype).reshape(shape)


def random_view(rng, base):
    """A random chain of numpy view operations on base, and its description."""
    view = base
    steps = []
    for _ in range(int(rng.integers(0, 5))):
        op = int(rng.integers(0, 7))
        rank = view.ndim
        if op == 0 and rank >= 2:
            perm = tuple(int(d) for d in rng.permutation(rank))
            view = view.transpose(perm)
            steps.append(f".transpose{perm}")
        elif op == 1 and rank >= 1:
            dim = int(rng.integers(0, rank))
            step = int(rng.choice([-3, -2, -1, 1, 2, 3]))
            extent = view.shape[dim]
            start = int(rng.integers(-extent - 1, extent + 2)) if rng.random() < 0.5 else None
            stop = int(rng.integers(-extent - 1, extent + 2)) if rng.random() < 0.5 else None
            index = [slice(None)] * rank
            index[dim] = slice(start, stop, step)
            view = view[tuple(index)]
            steps.append(f"[dim {dim}: {start}:{stop}:{step}]")
        elif op == 2 and rank >= 1:
            dim = int(rng.integers(0, rank))
            view = np.flip(view, dim)
            steps.append(f".flip({dim})")
        elif op == 3 and rank >= 1 and view.shape[int(rng.integers(0, rank))] > 0:
            dim = next(d for d in range(rank) if view.shape[d] > 0)
            at = int(rng.integers(0, view.shape[dim]))
            index = [slice(None)] * rank
            index[dim] = at
            view = view[(*index, Ellipsis)]  # the Ellipsis keeps rank 0 a view, not a scalar
            steps.append(f"[dim {dim} = {at}]")
        elif op == 4 and rank < MAX_RANK:
            dim = int(rng.integers(0, rank + 1))
            view = np.expand_dims(view, dim)
            steps.append(f".newaxis({dim})")
        elif op == 5 and rank < MAX_RANK:
            lead = tuple(int(n) for n in rng.integers(1, 4, size=int(rng.integers(0, 2))))
            shape = lead + tuple(int(rng.integers(1, 5)) if n == 1 and rng.random() < 0.7 else n
                                 for n in view.shape)
            if len(shape) <= MAX_RANK and math.prod(shape) <= 4 * MAX_ELEMENTS:
                view = np.broadcast_to(view, shape)
                steps.append(f".broadcast_to{shape}")
        elif op == 6 and rank >= 2:
            a, b = (int(d) for d in rng.choice(rank, size=2, replace=False))
            view = view.swapaxes(a, b)
            steps.append(f".swapaxes({a}, {b})")
    return view, "".join(steps)


def random_case(index):
    """Case `index`: (view, description, options), reproducible on its own."""
    rng = np.random.default_rng([base_seed(), index])
    dtype = DTYPES[int(rng.integers(0, len(DTYPES)))]
    if rng.random() < 0.03:
        shape = LARGE_SHAPES[int(rng.integers(0, len(LARGE_SHAPES)))]
    else:
        rank = int(rng.integers(0, 5))
        shape = tuple(int(rng.choice(EXTENTS)) for _ in range(rank))
        while math.prod(shape) > MAX_ELEMENTS:
            shape = tuple(max(1, n // 2) for n in shape)
    base = random_bytes_array(rng, dtype, shape)
    view, steps = random_view(rng, base)
    options = OPTIONS[int(rng.integers(0, len(OPTIONS)))]
    description = (f"case {index} (seed {base_seed():#x}): {np.dtype(dtype).name}{list(shape)}"
                   f"{steps} -> shape {view.shape} strides {view.strides} options {options}")
    return view, description, options


def check_case(index):
    view, description, options = random_case(index)
    expected = np.ascontiguousarray(view)
    got = ravel.ascontiguousarray(view, **options)
    assert got.dtype == view.dtype, description
    assert got.shape == view.shape, description  # numpy 1.x makes rank 0 into (1,); ravel does not
    assert got.flags.c_contiguous, description
    assert got.tobytes() == expected.tobytes(), description
    if view.flags.c_contiguous:
        assert got is view, description
        # ascontiguousarray had nothing to copy: copy with copyto instead.
        out = np.empty_like(view)
        ravel.copyto(out, view, **options)
        assert out.tobytes() == expected.tobytes(), description
    elif view.size > 0:
        assert not np.shares_memory(got, view), description


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_random_views_equal_numpy(chunk):
    per_chunk = CASES // CHUNKS
    for index in range(chunk * per_chunk, (chunk + 1) * per_chunk):
        check_case(index)


def test_random_cases_cover_the_features():
    """The generator reaches what the cases claim: negative strides, zero strides, rank 0, empty
    arrays, every dtype, non-contiguous views, large arrays."""
    seen = {"negative": 0, "zero": 0, "rank0": 0, "empty": 0, "contiguous": 0, "large": 0}
    dtypes = set()
    for index in range(0, CASES, 5):
        view, _, _ = random_case(index)
        dtypes.add(view.dtype)
        seen["negative"] += any(s < 0 for s in view.strides)
        seen["zero"] += any(s == 0 and n > 1 for s, n in zip(view.strides, view.shape))
        seen["rank0"] += view.ndim == 0
        seen["empty"] += view.size == 0
        seen["contiguous"] += view.flags.c_contiguous
        seen["large"] += view.size > MAX_ELEMENTS // 2
    assert dtypes == {np.dtype(d) for d in DTYPES}
    for feature, count in seen.items():
        assert count >= 10, f"only {count} cases with {feature}: {seen}"
