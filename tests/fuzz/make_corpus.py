#!/usr/bin/env python3
"""Writes the seed corpus of copy_fuzzer: one small file per named scenario, in the input format
documented at the top of copy_fuzzer.cc. Run from anywhere; rewrites tests/fuzz/corpus/seed-*.

    python3 tests/fuzz/make_corpus.py
"""
import os
import struct

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

ELEM = {1: 0, 2: 1, 4: 2, 8: 3, 16: 4, 3: 5, 12: 6, 6: 7}
BACKEND = {"auto": 0, "hwy": 1, "reference": 2, "jit": 3}
STREAMING = {"auto": 0, "off": 1, "on": 2}
POOL = {"none": 0, "reverse": 1, "shuffled": 2, "threads": 3}
CALL = {"copy": 0, "copy_twice": 1, "plan": 2}
DST = {"null": 0, "strided": 1, "shared": 2}
# Extents above 19 come from copy_fuzzer.cc's kLargeExtents (byte 0xE0 + index).
LARGE = {0: 0, 20: 1, 31: 2, 32: 3, 33: 4, 47: 5, 48: 6, 63: 7, 64: 8, 65: 9, 100: 10, 127: 11,
         128: 12, 129: 13, 255: 14, 256: 15, 257: 16, 1000: 17, 1023: 18, 1024: 19, 1025: 20,
         4096: 21, 4097: 22, 65536: 23, 1 << 18: 24, 24: 31}
# RawValue: bytes 0x00-0x7F are -64..63; these name interesting values (0x80 + index).
RAW = {"INT32_MAX": 0x92, "2^32": 0x96, "sqrt_max": 0x98, "2^62": 0x9A, "-2^62": 0x9B,
       "INT64_MAX": 0x9C, "INT64_MIN": 0x9E, "INT64_MAX/2": 0xA0, "INT64_MAX/3": 0xA2}


def small(value):
    assert -64 <= value <= 63
    return value + 0x40


def extent_byte(n):
    if 1 <= n <= 19:
        return n - 1
    return 0xE0 + LARGE[n]


def dim_byte(step=1, flip=False, broadcast=False, pad=0):
    step_bits = {1: 0, 2: 2, 3: 3}[step]
    pad_bits = {0: 0, 1: 3, 2: 5, 3: 6, 7: 7}[pad]
    return step_bits | (4 if flip else 0) | (24 if broadcast else 0) | (pad_bits << 5)


def header(call="copy", raw=False, dst="null", place=0, backend="auto", isa=0, threads=1,
           streaming="auto", elem=4, rank=2, pool="none", raw_options=None):
    mode = CALL[call] | (4 if raw else 0) | (DST[dst] << 3) | (place << 5)
    opts = (BACKEND[backend] | (isa << 2) | (16 if threads == 2 else 0) |
            (STREAMING[streaming] << 5) | (128 if raw_options else 0))
    shape = ELEM[elem] | (rank << 3) | (POOL[pool] << 6)
    out = bytes([mode, opts, shape])
    if raw_options:
        out += bytes(raw_options)
    return out


def choices(src=None, dst=None, rank=2):
    """Permutation choices: copy_fuzzer runs Fisher-Yates from the last dim, swapping dim i with
    dim (choice % (i + 1)); choice i keeps dim i. Low nibble for src, high nibble for dst."""
    src = src if src is not None else list(range(rank))
    dst = dst if dst is not None else list(range(rank))
    return [s | (d << 4) for s, d in zip(src, dst)]


TRANSPOSE_2D = choices(src=[0, 0])  # src dims swapped, dst dense


def view(shape, src=None, dst=None, perm=None):
    """Per dim: extent, src dim, dst dim, permutation choice (low nibble src, high nibble dst)."""
    rank = len(shape)
    src = src or [dim_byte()] * rank
    dst = dst or [dim_byte()] * rank
    perm = perm or choices(rank=rank)
    out = b""
    for d in range(rank):
        out += bytes([extent_byte(shape[d]), src[d], dst[d], perm[d]])
    return out


def tail(src_misalign=0, dst_misalign=0, dst_before=False, delta=0, describe=40, change=0,
         seed=b"seed"):
    return bytes([src_misalign, dst_misalign, 1 if dst_before else 0, delta & 0xFF, describe,
                  change]) + seed


SEEDS = {}


def seed(name, data):
    assert name not in SEEDS, name
    SEEDS[name] = data


# Copy runs, transposes, gathers, broadcasts, reverses across element sizes and ISAs.
seed("dense-2d-f32", header(rank=2) + view([7, 9]) + tail())
seed("transpose-17x33-f32", header(rank=2) + view([17, 33], perm=TRANSPOSE_2D) + tail())
for elem in (1, 2, 4, 8, 16, 3, 12):
    seed(f"transpose-33x17-elem{elem}",
         header(rank=2, elem=elem, backend="hwy") + view([33, 17], perm=TRANSPOSE_2D) + tail())
for isa in (1, 2, 3):
    seed(f"transpose-64x65-isa{isa}",
         header(rank=2, backend="hwy", isa=isa) + view([64, 65], perm=TRANSPOSE_2D) + tail())
# The JIT forced (RAVEL_E_UNSUPPORTED where it declines): transposes, runs, gathers, two threads.
for elem in (1, 2, 4, 8):
    seed(f"jit-transpose-19x33-elem{elem}",
         header(rank=2, elem=elem, backend="jit") + view([19, 33], perm=TRANSPOSE_2D) + tail())
seed("jit-padded-rows", header(rank=2, backend="jit") +
     view([7, 33], src=[dim_byte(pad=7), dim_byte()]) + tail())
seed("jit-gather-step3", header(rank=2, backend="jit", elem=2) +
     view([9, 20], src=[dim_byte(), dim_byte(step=3)]) + tail())
seed("jit-two-threads", header(rank=2, backend="jit", threads=2, pool="reverse") +
     view([1024, 256], perm=TRANSPOSE_2D) + tail())
seed("nchw-to-nhwc", header(rank=4) + view([2, 3, 5, 16], perm=choices(src=[0, 1, 1, 1], rank=4)) + tail())
seed("step-slice", header(rank=2) + view([9, 13], src=[dim_byte(), dim_byte(step=2)]) + tail())
seed("reverse-inner", header(rank=2, elem=2) + view([5, 47], src=[dim_byte(), dim_byte(flip=True)])
     + tail())
seed("broadcast-inner", header(rank=2, elem=8) +
     view([6, 33], src=[dim_byte(), dim_byte(broadcast=True)]) + tail())
seed("broadcast-outer", header(rank=3, elem=1) +
     view([4, 3, 19], src=[dim_byte(broadcast=True), dim_byte(), dim_byte()]) + tail())
seed("padded-dst", header(rank=2, dst="strided") +
     view([8, 8], dst=[dim_byte(pad=7), dim_byte(pad=3)]) + tail())
seed("permuted-dst", header(rank=3, dst="strided") +
     view([5, 6, 7], perm=choices(dst=[0, 0, 0], rank=3)) + tail())
seed("rank0", header(rank=0) + tail())
seed("empty-extent", header(rank=3) + view([4, 0, 5]) + tail())
seed("reference-backend", header(rank=3, backend="reference", elem=12) +
     view([3, 7, 5], perm=choices(src=[0, 0, 1], rank=3)) + tail())
seed("streaming-on", header(rank=2, streaming="on", backend="hwy") +
     view([128, 129], perm=TRANSPOSE_2D) + tail())
seed("misaligned-against-start", header(rank=2, place=3) + view([13, 11], perm=TRANSPOSE_2D) +
     tail(src_misalign=3, dst_misalign=5))
# Copies above 512 KiB split into tasks: ravel's pool, a caller's pool in reverse / shuffled order,
# and a pool of std::threads.
for pool in ("none", "reverse", "shuffled", "threads"):
    seed(f"two-threads-{pool}", header(rank=2, threads=2, pool=pool) +
         view([1024, 256], perm=TRANSPOSE_2D) + tail())
# The thread's memo of its last copy, and plans.
seed("copy-twice", header(call="copy_twice", rank=3) + view([3, 4, 5], perm=choices(src=[0, 0, 0], rank=3)) + tail())
# The memo after a change to the layouts: shape NULL, strides NULL, an extent + 1, a stride
# negated, rank - 1 on the same arrays, the dst layout NULL or back, elem_size + 1 (dim 1).
for change, name in enumerate(["shape-null", "strides-null", "extent", "stride", "rank",
                               "dst-layout", "elem-size"], start=1):
    seed(f"copy-twice-then-{name}", header(call="copy_twice", rank=2) + view([6, 5]) +
         tail(change=change | 8))
seed("copy-twice-then-dst-layout-strided", header(call="copy_twice", rank=2, dst="strided") +
     view([6, 5], perm=TRANSPOSE_2D) + tail(change=6))
seed("plan-execute", header(call="plan", rank=2, dst="strided") + view([9, 31], perm=TRANSPOSE_2D) +
     tail(describe=7))
# src and dst in one buffer: one byte apart, and overlapping by one byte, on either side.
seed("shared-adjacent", header(rank=2, dst="shared") + view([4, 4]) + tail(delta=0))
seed("shared-overlap-1", header(rank=2, dst="shared") + view([4, 4]) + tail(delta=-1))
seed("shared-before-adjacent", header(rank=2, dst="shared") + view([4, 4]) +
     tail(dst_before=True, delta=0))
seed("shared-before-overlap-1", header(rank=2, dst="shared") + view([4, 4]) +
     tail(dst_before=True, delta=1))
# NULL pointers, options that are wrong.
seed("null-src", header(rank=2, place=7) + view([3, 3]) + tail())
seed("null-dst", header(rank=2, place=6) + view([3, 3]) + tail())
seed("options-v1-size", header(rank=2, raw_options=[1, 0, 0, 0, 1]) + view([5, 6]) + tail())
seed("options-bad-size", header(rank=2, raw_options=[4, 0, 0, 0, 1]) + view([5, 6]) + tail())
seed("options-negative-threads", header(rank=2, raw_options=[0, 0, 0, 0, 0xFF]) + view([5, 6]) +
     tail())
seed("options-jit", header(rank=2, raw_options=[0, 1, 0, 0, 1]) + view([5, 6]) + tail())
seed("options-isa-avx512", header(rank=2, raw_options=[0, 2, 4, 0, 1]) + view([5, 6]) + tail())
seed("options-pool-without-function", header(rank=2, pool="reverse", raw_options=[8, 0, 0, 0, 1])
     + view([5, 6]) + tail())


# Raw layouts: flags (1 shape NULL, 2 strides NULL, 4 raw rank, 8 raw elem_size, 16 dst shape
# of its own), an elem_size byte, then per dim extent and stride (dst of the src's shape: strides).
def raw_layout(flags=0, elem=0, dims=(), rank_byte=None):
    out = bytes([flags, elem])
    if rank_byte is not None:
        out += bytes([rank_byte])
    for extent, stride in dims:
        out += bytes([extent, stride]) if extent is not None else bytes([stride])
    return out


seed("raw-negative-strides", header(raw=True, rank=2) +
     raw_layout(dims=[(small(5), small(-7)), (small(6), small(-1))]) + tail())
seed("raw-dst-aliases", header(raw=True, rank=2, dst="strided") +
     raw_layout(dims=[(small(4), small(4)), (small(4), small(1))]) +
     raw_layout(dims=[(None, small(1)), (None, small(1))]) + tail())
seed("raw-extent-int64-max", header(raw=True, rank=1) +
     raw_layout(dims=[(RAW["INT64_MAX"], small(1))]) + tail())
seed("raw-stride-int64-min", header(raw=True, rank=1) +
     raw_layout(dims=[(small(2), RAW["INT64_MIN"])]) + tail())
seed("raw-stride-product-overflow", header(raw=True, rank=2) +
     raw_layout(dims=[(RAW["sqrt_max"], RAW["sqrt_max"]), (small(3), small(1))]) + tail())
seed("raw-rank-65", header(raw=True, rank=2) + raw_layout(flags=4, rank_byte=0x81) + tail())
seed("raw-rank-64", header(raw=True, rank=2) +
     raw_layout(flags=4, rank_byte=0x80, dims=[(small(1), small(0))] * 64) + tail())
seed("raw-elem-size-0", header(raw=True, rank=1) +
     raw_layout(flags=8, elem=small(0), dims=[(small(3), small(1))]) + tail())
seed("raw-elem-size-huge", header(raw=True, rank=1) +
     raw_layout(flags=8, elem=RAW["2^62"], dims=[(small(3), small(1))]) + tail())
seed("raw-null-shape", header(raw=True, rank=2) + raw_layout(flags=1) + tail())
seed("raw-dense-overflow", header(raw=True, rank=3) +
     raw_layout(flags=2, dims=[(small(0), small(0)), (RAW["2^62"], small(0)), (small(4), small(0))])
     + tail())
seed("raw-mismatched-shape", header(raw=True, rank=1, dst="strided") +
     raw_layout(dims=[(small(4), small(1))]) +
     raw_layout(flags=16, dims=[(small(5), small(1))]) + tail())


def main():
    os.makedirs(CORPUS, exist_ok=True)
    for old in os.listdir(CORPUS):
        if old.startswith("seed-"):
            os.remove(os.path.join(CORPUS, old))
    for name, data in SEEDS.items():
        with open(os.path.join(CORPUS, "seed-" + name), "wb") as f:
            f.write(data)
    print(f"make_corpus: wrote {len(SEEDS)} seeds to {CORPUS}")


if __name__ == "__main__":
    main()
