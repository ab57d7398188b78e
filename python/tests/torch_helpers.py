"""Comparisons against PyTorch shared by the torch tests."""

import math

import torch

DTYPES = [torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64,
          torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64,
          torch.complex128]
_SAME_SIZE_INT = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def random_tensor(generator, dtype, shape):
    """A dense tensor of random bits (random 0/1 for bool)."""
    if dtype == torch.bool:
        return torch.randint(0, 2, shape, generator=generator).bool()
    if dtype == torch.complex128:
        halves = random_tensor(generator, torch.float64, tuple(shape) + (2,))
        return torch.view_as_complex(halves)
    bits = torch.randint(-2**31, 2**31, shape, generator=generator, dtype=torch.int64)
    element = _SAME_SIZE_INT[torch.empty((), dtype=dtype).element_size()]
    return bits.to(element).view(dtype)


def contiguous_bytes(t):
    """The bytes of t's elements in row-major order (exact, NaN payloads included)."""
    t = t.contiguous()
    if t.dtype == torch.complex128:
        t = torch.view_as_real(t)
    return t.view(_SAME_SIZE_INT[t.element_size()]).numpy().tobytes()


def shares_storage(a, b):
    """True when a and b are views of one storage."""
    return a.storage().data_ptr() == b.storage().data_ptr()


def check_like_torch(x, expected, got, what):
    """got (ravel's result for x) matches expected (torch's): a view exactly when torch's is one,
    with the same data pointer and strides; a copy otherwise; the same shape, dtype and values."""
    assert isinstance(got, torch.Tensor), what
    assert got.dtype == expected.dtype, what
    assert tuple(got.shape) == tuple(expected.shape), what
    torch_view = shares_storage(expected, x)
    if expected.numel() > 0:
        assert shares_storage(got, x) == torch_view, (
            f"{what}: torch {'views' if torch_view else 'copies'}, ravel "
            f"{'views' if shares_storage(got, x) else 'copies'}")
    if torch_view:
        assert got.data_ptr() == expected.data_ptr(), what
    outcome = "view" if torch_view else "copy"
    assert got.stride() == expected.stride(), (
        f"{what}: strides {got.stride()} vs torch's {expected.stride()} ({outcome})")
    assert contiguous_bytes(got) == contiguous_bytes(expected), what


def divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0] if n > 0 else [0]


def random_target_shape(rng, shape):
    """A random shape with shape's element count: dims merged, split, 1s dropped and inserted,
    or a random factorization; sometimes one extent is -1."""
    count = math.prod(shape)
    if rng.random() < 0.25 or not shape:
        target = []
        remaining = count
        for _ in range(int(rng.integers(0, 4))):
            choices = divisors(remaining) if remaining > 0 else [0, 1, 2, 3]
            factor = int(rng.choice(choices))
            target.append(factor)
            if factor > 0:
                remaining //= factor
            else:
                remaining = 1  # a zero extent makes any other extents valid
        target.append(remaining if count > 0 or 0 in target else 0)
    else:
        dims = [n for n in shape if n != 1 or rng.random() < 0.5]
        target = []
        d = 0
        while d < len(dims):
            width = int(rng.integers(1, 4))
            merged = math.prod(dims[d:d + width])
            d += width
            if merged > 1 and rng.random() < 0.4:
                first = int(rng.choice(divisors(merged)))
                target += [first, merged // first]
            else:
                target.append(merged)
        for _ in range(int(rng.integers(0, 3))):
            target.insert(int(rng.integers(0, len(target) + 1)), 1)
        if math.prod(target) != count:  # all dims were dropped 1s
            target.append(count)
    if rng.random() < 0.3 and count > 0 and target:
        target[int(rng.integers(0, len(target)))] = -1
    return tuple(int(n) for n in target)
