"""10,000 seeded random PyTorch views (permute, transpose, slicing with steps, select, expand,
unsqueeze, squeeze; every dtype, bool, bfloat16 and complex included): ravel.ascontiguousarray
equals x.contiguous(); ravel.flatten(x, s, e) and ravel.reshape(x, shape) equal torch's, and
are views (same data_ptr and strides) exactly when torch's are. The same for 3,000 arbitrary
as_strided layouts, and for numpy arrays: ravel.reshape(numpy_view) views exactly when
torch.from_numpy(view).reshape does."""

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import ravel  # noqa: E402
import test_numpy_random  # noqa: E402
from conftest import base_seed  # noqa: E402
from torch_helpers import (DTYPES, check_like_torch, contiguous_bytes,  # noqa: E402
                           random_target_shape, random_tensor)

CASES = 10_000
CHUNKS = 20
NUMPY_CASES = 2_000
STRIDED_CASES = 3_000
MAX_ELEMENTS = 2048
EXTENTS = [0, 1, 1, 1, 2, 2, 3, 4, 5, 6, 8, 12, 16]
TORCH_LACKS = {np.dtype(np.uint16), np.dtype(np.uint32), np.dtype(np.uint64)}  # torch 1.13


def random_view(rng, base):
    """A random chain of torch view operations on base, and its description."""
    view = base
    steps = []
    for _ in range(int(rng.integers(0, 5))):
        op = int(rng.integers(0, 8))
        rank = view.dim()
        if op == 0 and rank >= 2:
            perm = tuple(int(d) for d in rng.permutation(rank))
            view = view.permute(perm)
            steps.append(f".permute{perm}")
        elif op == 1 and rank >= 2:
            a, b = (int(d) for d in rng.choice(rank, size=2, replace=False))
            view = view.transpose(a, b)
            steps.append(f".transpose({a}, {b})")
        elif op == 2 and rank >= 1:
            dim = int(rng.integers(0, rank))
            extent = view.shape[dim]
            start = int(rng.integers(0, extent + 1))
            stop = int(rng.integers(start, extent + 1))
            step = int(rng.integers(1, 4))
            index = [slice(None)] * rank
            index[dim] = slice(start, stop, step)
            view = view[tuple(index)]
            steps.append(f"[dim {dim}: {start}:{stop}:{step}]")
        elif op == 3 and rank >= 1 and any(n > 0 for n in view.shape):
            dim = next(d for d in range(rank) if view.shape[d] > 0)
            at = int(rng.integers(0, view.shape[dim]))
            view = view.select(dim, at)
            steps.append(f".select({dim}, {at})")
        elif op == 4 and rank < 6:
            dim = int(rng.integers(0, rank + 1))
            view = view.unsqueeze(dim)
            steps.append(f".unsqueeze({dim})")
        elif op == 5 and rank < 6:
            lead = [int(n) for n in rng.integers(1, 4, size=int(rng.integers(0, 2)))]
            shape = lead + [int(rng.integers(1, 5)) if n == 1 and rng.random() < 0.7 else -1
                            for n in view.shape]
            expanded = view.expand(shape)
            if expanded.numel() <= 4 * MAX_ELEMENTS:
                view = expanded
                steps.append(f".expand{tuple(shape)}")
        elif op == 6 and rank >= 1:
            dim = int(rng.integers(0, rank))
            view = view.squeeze(dim)
            steps.append(f".squeeze({dim})")
        elif op == 7 and rank >= 1:
            dim = int(rng.integers(0, rank))
            view = view.narrow(dim, 0, view.shape[dim] // 2)
            steps.append(f".narrow({dim}, 0, half)")
    return view, "".join(steps)


def random_case(index):
    rng = np.random.default_rng([base_seed(), 1, index])
    generator = torch.Generator().manual_seed(int(rng.integers(0, 2**62)))
    dtype = DTYPES[int(rng.integers(0, len(DTYPES)))]
    rank = int(rng.integers(0, 5))
    shape = tuple(int(rng.choice(EXTENTS)) for _ in range(rank))
    while math.prod(shape) > MAX_ELEMENTS:
        shape = tuple(max(1, n // 2) for n in shape)
    base = random_tensor(generator, dtype, shape)
    view, steps = random_view(rng, base)
    description = (f"case {index} (seed {base_seed():#x}): {dtype}{list(shape)}{steps} -> shape "
                   f"{tuple(view.shape)} strides {view.stride()}")
    return rng, view, description


def check_case(index):
    rng, view, description = random_case(index)

    got = ravel.ascontiguousarray(view)
    assert got.is_contiguous(), description
    assert contiguous_bytes(got) == contiguous_bytes(view), description
    if view.is_contiguous():
        assert got is view, description

    rank = view.dim()
    if rank == 0:
        start, end = [(0, 0), (0, -1), (-1, -1)][int(rng.integers(0, 3))]
    else:
        start, end = sorted(int(d) for d in rng.integers(0, rank, size=2))
        if rng.random() < 0.3:
            start -= rank
        if rng.random() < 0.3:
            end -= rank
    what = f"{description}: flatten({start}, {end})"
    check_like_torch(view, torch.flatten(view, start, end), ravel.flatten(view, start, end), what)

    target = random_target_shape(rng, tuple(view.shape))
    what = f"{description}: reshape{target}"
    check_like_torch(view, view.reshape(target), ravel.reshape(view, target), what)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_random_views_like_torch(chunk):
    per_chunk = CASES // CHUNKS
    for index in range(chunk * per_chunk, (chunk + 1) * per_chunk):
        check_case(index)


def test_random_cases_cover_the_features():
    """Both outcomes of the view-or-copy decision and the corner shapes occur often."""
    seen = {"flatten views": 0, "flatten copies": 0, "reshape views": 0, "reshape copies": 0,
            "rank0": 0, "empty": 0, "expanded": 0, "size-1 dims": 0}
    dtypes = set()
    for index in range(0, CASES, 5):
        rng, view, _ = random_case(index)
        dtypes.add(view.dtype)
        seen["rank0"] += view.dim() == 0
        seen["empty"] += view.numel() == 0
        seen["expanded"] += any(s == 0 and n > 1 for s, n in zip(view.stride(), view.shape))
        seen["size-1 dims"] += 1 in view.shape
        if view.numel() > 1:
            flat = view.flatten()
            seen["flatten views" if flat.storage().data_ptr() == view.storage().data_ptr()
                 else "flatten copies"] += 1
            reshaped = view.reshape(random_target_shape(rng, tuple(view.shape)))
            seen["reshape views" if reshaped.storage().data_ptr() == view.storage().data_ptr()
                 else "reshape copies"] += 1
    assert dtypes == set(DTYPES)
    for feature, count in seen.items():
        assert count >= 20, f"only {count} cases with {feature}: {seen}"


def test_numpy_arrays_follow_torchs_rule():
    """ravel.reshape and ravel.flatten of numpy views decide as torch does on the same memory
    (torch.from_numpy; cases with negative strides, or with dtypes torch lacks, are skipped)."""
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # from_numpy of a read-only broadcast view warns
        for index in range(NUMPY_CASES):
            view, description, _ = test_numpy_random.random_case(index)
            if any(s < 0 for s in view.strides) or view.dtype in TORCH_LACKS:
                continue
            x = torch.from_numpy(view)
            rng = np.random.default_rng([base_seed(), 2, index])
            target = random_target_shape(rng, view.shape)
            expected = x.reshape(target)
            got = ravel.reshape(view, target)
            what = f"{description}: reshape{target}"
            assert isinstance(got, np.ndarray), what
            assert got.shape == tuple(expected.shape), what
            if expected.numel() > 0:
                torch_view = expected.storage().data_ptr() == x.storage().data_ptr()
                assert np.shares_memory(got, view) == torch_view, what
                if torch_view:
                    assert got.__array_interface__["data"][0] == expected.data_ptr(), what
                    assert got.strides == tuple(s * view.itemsize for s in expected.stride()), what
            assert got.tobytes() == np.ascontiguousarray(view).tobytes(), what
            checked += 1
    assert checked > NUMPY_CASES // 2


def test_arbitrary_strides_like_torch():
    """as_strided layouts that no chain of view ops makes (any strides, 0 and overlapping
    included, odd strides on size-1 dims, storage offsets): same decisions as torch."""
    rng = np.random.default_rng([base_seed(), 3])
    storage = torch.arange(4096, dtype=torch.float32)
    checked = 0
    while checked < STRIDED_CASES:
        rank = int(rng.integers(0, 6))
        shape = [int(rng.choice([0, 1, 1, 1, 2, 3, 4, 6])) for _ in range(rank)]
        strides = [int(rng.choice([0, 1, 2, 3, 4, 6, 7, 12, 24, 48, 100])) for _ in range(rank)]
        if math.prod(shape) and sum((n - 1) * s for n, s in zip(shape, strides)) >= 4000:
            continue
        x = storage.as_strided(shape, strides, int(rng.integers(0, 5)))
        description = f"as_strided({shape}, {strides}, {x.storage_offset()})"
        target = random_target_shape(rng, tuple(shape))
        check_like_torch(x, x.reshape(target), ravel.reshape(x, target),
                         f"{description}.reshape{target}")
        if rank:
            start, end = sorted(int(d) for d in rng.integers(0, rank, size=2))
            check_like_torch(x, x.flatten(start, end), ravel.flatten(x, start, end),
                             f"{description}.flatten({start}, {end})")
        checked += 1
