#!/usr/bin/python3
"""numpy and PyTorch peers of `ravel bench --peers`: what a Python user's copy costs.

Reads cases in ravel's case language (docs/cases.md) from arguments, a case file or the manifest
that `ravel bench --peers` writes; builds each case's source and destination as numpy views over
buffers filled with ravel's deterministic pattern; copies them with numpy (np.copyto, one thread)
and PyTorch (Tensor.copy_ over the same memory, torch.set_num_threads); times each copy the way
ravel's bench/timing.cc does (warm-up, batched samples, the median) and prints one JSON line per
case and library in the schema of `ravel bench --json`, with a checksum of the output buffer that
`ravel bench` compares with ravel's own output.

  /usr/bin/python3 tools/peers.py --threads 1 'f32[64,2048,7,7].permute(0,2,3,1)'
  /usr/bin/python3 tools/peers.py --cases bench/cases/inference.txt --threads 1,2 --json

Without --json it prints a table. Run with Debian's /usr/bin/python3 (python3-numpy,
python3-torch); a library that does not import is reported as not installed.
"""

import argparse
import json
import math
import os
import re
import sys
import time

try:
    import numpy as np
except ImportError:  # reported by --probe and in every row
    np = None
try:
    import torch
except ImportError:
    torch = None

DTYPE_SIZES = {
    "bool": 1, "u8": 1, "i8": 1, "u16": 2, "i16": 2, "f16": 2, "bf16": 2, "u32": 4, "i32": 4,
    "f32": 4, "u64": 8, "i64": 8, "f64": 8, "c64": 8, "c128": 16,
}
SEED_BASE = 0x726176656C  # "ravel": src/cases/run.cc BufferSeed(k) = SEED_BASE + k
MASK64 = (1 << 64) - 1
BYTES_MOVED_PER_BYTE = 2  # GB/s = 2 x bytes / seconds, as in docs/cases.md
CHUNK_WORDS = 1 << 22
WARMUP_SECONDS = 0.01
MIN_SAMPLES = 3
MIN_SAMPLE_SECONDS = 1e-4


# ---- ravel's buffer pattern and checksum ----------------------------------------------------

def _mix_int(x):
    """SplitMix64's finalizer on a Python int (src/cases/run.cc Mix)."""
    z = (x + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def _mix_array(x):
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def fill_pattern(buffer, seed):
    """Fills a uint8 array exactly as ravel_cases::FillPattern(data, bytes, seed)."""
    words = buffer.view(np.uint8)
    total = words.size
    key = np.uint64(_mix_int(seed))
    with np.errstate(over="ignore"):
        for start in range(0, (total + 7) // 8, CHUNK_WORDS):
            count = min(CHUNK_WORDS, (total + 7) // 8 - start)
            values = _mix_array(np.arange(start, start + count, dtype=np.uint64) ^ key)
            raw = values.astype("<u8").view(np.uint8)
            begin = start * 8
            end = min(total, begin + raw.size)
            words[begin:end] = raw[: end - begin]


def checksum(buffer):
    """Sum of little-endian word i * (2i + 1) mod 2^64 (tools/python_peers.cc BufferChecksum)."""
    data = buffer.view(np.uint8)
    padded_words = (data.size + 7) // 8
    total = np.uint64(0)
    with np.errstate(over="ignore"):
        for start in range(0, padded_words, CHUNK_WORDS):
            count = min(CHUNK_WORDS, padded_words - start)
            chunk = data[start * 8: (start + count) * 8]
            if chunk.size < count * 8:
                chunk = np.concatenate([chunk, np.zeros(count * 8 - chunk.size, np.uint8)])
            values = chunk.view("<u8").astype(np.uint64)
            weights = np.arange(start, start + count, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
            total = total + np.sum(values * weights, dtype=np.uint64)
    return "0x%016x" % int(total)


# ---- the case language, on numpy views ------------------------------------------------------

NUMPY_TYPES = {1: "u1", 2: "u2", 4: "u4", 8: "u8", 16: "c16"}  # bit-exact copies


class Buffer:
    """One flat base buffer of a case (src/cases/run.h CaseRun buffers)."""

    def __init__(self, elements, elem_size):
        self.bytes = np.empty(elements * elem_size, dtype=np.uint8)
        self.array = self.bytes.view(NUMPY_TYPES[elem_size])


class View:
    """A numpy view into a Buffer, with the case language's operations (PyTorch semantics)."""

    def __init__(self, case, buffer, array):
        self.case = case
        self.buffer = buffer
        self.array = array

    def _with(self, array):
        return View(self.case, self.buffer, array)

    def offset(self):
        """Elements from the buffer's start to index (0, ..., 0)."""
        base = self.buffer.array.__array_interface__["data"][0]
        return (self.array.__array_interface__["data"][0] - base) // self.array.itemsize

    @staticmethod
    def _ints(args):
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            return list(args[0])
        return list(args)

    def permute(self, *dims):
        return self._with(self.array.transpose(self._ints(dims)))

    def transpose(self, i, j):
        return self._with(np.swapaxes(self.array, i, j))

    def t(self):
        return self._with(self.array.T if self.array.ndim == 2 else self.array)

    def __getitem__(self, index):
        return self._with(self.array[index])

    def expand(self, *sizes):
        sizes = self._ints(sizes)
        lead = len(sizes) - self.array.ndim
        shape = [self.array.shape[d - lead] if s == -1 else s for d, s in enumerate(sizes)]
        return self._with(np.broadcast_to(self.array, shape))

    def unsqueeze(self, dim):
        if dim < 0:
            dim += self.array.ndim + 1
        return self._with(np.expand_dims(self.array, dim))

    def squeeze(self, dim=None):
        if dim is None:
            return self._with(np.squeeze(self.array))
        if self.array.shape[dim] != 1:
            return self
        return self._with(np.squeeze(self.array, axis=dim))

    def flip(self, *dims):
        return self._with(np.flip(self.array, axis=tuple(self._ints(dims))))

    def flatten(self, start=0, end=-1):
        shape = list(self.array.shape)
        if not shape:
            return self.reshape(1)
        start %= len(shape)
        end %= len(shape)
        merged = math.prod(shape[start: end + 1])
        return self.reshape(shape[:start] + [merged] + shape[end + 1:])

    def reshape(self, *shape):
        shape = self._ints(shape)
        viewed = self.array.view()
        try:
            viewed.shape = shape  # numpy raises when no view exists
            return self._with(viewed)
        except AttributeError:
            pass
        if self.case.side == "dst":
            raise ValueError("a destination reshape needs a copy")
        # No view: materialize into a fresh dense buffer (a stage), then reshape that.
        dense = self.case.new_buffer(self.array.size)
        target = dense.array.reshape(self.array.shape)
        self.case.stages.append((self.array, target))
        return View(self.case, dense, dense.array.reshape(shape))

    def as_strided(self, shape, strides, offset=None):
        if offset is None:
            offset = self.offset()
        itemsize = self.array.itemsize
        base = self.buffer.array
        if offset < 0 or offset > base.size:
            raise ValueError("as_strided offset outside the buffer")
        return self._with(np.lib.stride_tricks.as_strided(
            base[offset:], shape=shape, strides=[s * itemsize for s in strides]))


BASE_RE = re.compile(r"\s*([a-z0-9]+)\s*\[([-0-9,\s]*)\]")


class Case:
    """A parsed case: its stages (numpy source view, numpy destination view) over its buffers."""

    def __init__(self, text, src_seed=SEED_BASE, dst_seed=None):
        self.text = text.strip()
        self.buffers = []
        self.stages = []
        self.side = "src"
        arrow = self.text.split(" -> ")
        if len(arrow) > 2:
            raise ValueError("more than one ' -> '")
        src = self._parse_side(arrow[0])
        self.elem_size = src.array.itemsize
        if len(arrow) == 2:
            self.side = "dst"
            dst = self._parse_side(arrow[1])
            if dst.array.shape != src.array.shape:
                raise ValueError("destination shape %s != source shape %s"
                                 % (dst.array.shape, src.array.shape))
            if dst.array.itemsize != self.elem_size:
                raise ValueError("a copy does not convert")
            self.stages.append((src.array, dst.array))
            self.result = dst.array
        elif self.stages and self._dense_whole(src):
            self.result = src.array  # the last materialization made the result
        else:
            dense = self.new_buffer(src.array.size)
            self.result = dense.array.reshape(src.array.shape)
            self.stages.append((src.array, self.result))
        self.bytes = self.result.size * self.elem_size
        self.dst_seed = dst_seed
        fill_pattern(self.buffers[0].bytes, src_seed)  # the others before each library's run

    def reset(self):
        """Refills the destination buffers with their initial patterns."""
        for k in range(1, len(self.buffers)):
            last = k == len(self.buffers) - 1
            fill_pattern(self.buffers[k].bytes,
                         self.dst_seed if last and self.dst_seed is not None else SEED_BASE + k)

    def new_buffer(self, elements):
        self.buffers.append(Buffer(elements, self.elem_size))
        return self.buffers[-1]

    @staticmethod
    def _dense_whole(view):
        return view.offset() == 0 and view.array.size == view.buffer.array.size and \
            view.array.flags.c_contiguous

    def _parse_side(self, text):
        match = BASE_RE.match(text)
        if not match or match.group(1) not in DTYPE_SIZES:
            raise ValueError("expected dtype[extents] at %r" % text)
        extents = [int(e) for e in match.group(2).split(",") if e.strip()]
        self.elem_size = DTYPE_SIZES[match.group(1)]
        buffer = self.new_buffer(math.prod(extents))
        view = View(self, buffer, buffer.array.reshape(extents))
        ops = text[match.end():].strip()
        if not ops:
            return view
        if not ops.startswith((".", "[")):
            raise ValueError("unexpected %r" % ops)
        # The operations are Python syntax on View (numpy basic indexing, method calls).
        return eval("v" + ops, {"__builtins__": {}, "None": None, "Ellipsis": Ellipsis},
                    {"v": view})

    def output_buffer(self):
        return self.buffers[-1].bytes


# ---- timing, as bench/timing.cc Measure -----------------------------------------------------

def measure(fn, min_seconds, max_seconds):
    """Seconds per call (median), samples: warm-up, then batched samples, as Measure does."""
    clock = time.perf_counter
    start = clock()
    calls = 0
    while True:
        fn()
        calls += 1
        warmup = clock() - start
        if warmup >= WARMUP_SECONDS:
            break
    per_call = warmup / calls
    batch = 1 if per_call >= MIN_SAMPLE_SECONDS else math.ceil(MIN_SAMPLE_SECONDS / per_call)
    samples = []
    sampling = 0.0
    last = 0.0
    while True:
        if len(samples) >= MIN_SAMPLES and sampling >= min_seconds:
            break
        if samples and clock() - start + last > max_seconds:
            break
        begin = clock()
        for _ in range(batch):
            fn()
        last = clock() - begin
        sampling += last
        samples.append(last / batch)
    samples.sort()
    middle = len(samples) // 2
    median = samples[middle] if len(samples) % 2 else (samples[middle - 1] + samples[middle]) / 2
    return median, len(samples)


# ---- the two libraries ----------------------------------------------------------------------

TORCH_TYPES = {1: "uint8", 2: "int16", 4: "int32", 8: "int64", 16: "complex128"}
NUMPY_FOR_TORCH = {1: "u1", 2: "i2", 4: "i4", 8: "i8", 16: "c16"}


def numpy_copy(case):
    stages = case.stages

    def run():
        for src, dst in stages:
            np.copyto(dst, src)
    return run


def _torch_view(array, base_tensor, base_array):
    """A torch view of a numpy view of base_array, strides made positive, and the flipped dims."""
    itemsize = array.itemsize
    offset = (array.__array_interface__["data"][0]
              - base_array.__array_interface__["data"][0]) // itemsize
    shape = list(array.shape)
    strides = [s // itemsize for s in array.strides]
    flips = []
    for d, (extent, stride) in enumerate(zip(shape, strides)):
        if stride < 0 and extent > 1:
            offset += (extent - 1) * stride
            strides[d] = -stride
            flips.append(d)
        elif stride < 0:
            strides[d] = 0
    return torch.as_strided(base_tensor, shape, strides, offset), flips


def torch_copy(case):
    tensors = {}

    def tensor_of(array):
        address = array.__array_interface__["data"][0]
        for buffer in case.buffers:
            begin = buffer.bytes.__array_interface__["data"][0]
            if begin <= address <= begin + buffer.bytes.size:
                key = id(buffer)
                if key not in tensors:
                    flat = buffer.bytes.view(NUMPY_FOR_TORCH[case.elem_size])
                    tensors[key] = (torch.from_numpy(flat), flat)
                return tensors[key]
        raise ValueError("a view outside the case's buffers")

    stages = []
    for src, dst in case.stages:
        src_base, src_flat = tensor_of(src)
        dst_base, dst_flat = tensor_of(dst)
        src_t, flips = _torch_view(src, src_base, src_flat)
        dst_t, dst_flips = _torch_view(dst, dst_base, dst_flat)
        if dst_flips:
            return None, None, "negative destination strides"
        if flips and not dst.flags.c_contiguous:
            return None, None, "negative strides into a strided destination"
        stages.append((src_t, dst_t, flips))

    def run():
        # PyTorch has no negative strides: a reversed view is x.flip(dims), which allocates its
        # result (flip has no out= in Python).
        for src_t, dst_t, flips in stages:
            if flips:
                torch.flip(src_t, flips)
            else:
                dst_t.copy_(src_t)

    def fill():
        for src_t, dst_t, flips in stages:
            dst_t.copy_(torch.flip(src_t, flips) if flips else src_t)

    note = "torch.flip (allocates its result)" if any(s[2] for s in stages) else ""
    return run, fill, note


LIBRARIES = [("numpy", "python3-numpy"), ("torch", "python3-torch")]


def library_version(name):
    module = np if name == "numpy" else torch
    return module.__version__ if module is not None else ""


def bench_case(text, index, threads, args, src_seed=SEED_BASE, dst_seed=None, only=None):
    """JSON-ready rows, one per library, for one case at threads."""
    rows = []
    case = None
    error = ""
    if np is None:
        error = "python3 cannot import numpy (python3-numpy)"
    else:
        try:
            case = Case(text, src_seed, dst_seed)
        except Exception as e:  # a case this script's parser cannot build
            error = "cannot build the case in numpy: %s" % e
    for name, package in LIBRARIES:
        if only and name not in only:
            continue
        row = {"case": text.strip(), "impl": name, "status": "ok", "index": index,
               "bytes": case.bytes if case else 0, "threads": threads, "backend": "", "isa": "",
               "seconds": 0, "gbps": 0, "ns_per_call": 0, "samples": 0}
        rows.append(row)
        if not library_version(name):
            row.update(status="not installed",
                       reason="python3 cannot import %s (%s)" % (name, package))
            continue
        if case is None:
            row.update(status="n/a", reason=error)
            continue
        if name == "numpy":
            fn = numpy_copy(case)
            fill, note = fn, ""
            row["threads_used"] = 1
        else:
            torch.set_num_threads(max(threads, 1))
            fn, fill, note = torch_copy(case)
        if fn is None:
            row.update(status="n/a", reason=note)
            continue
        if note:
            row["note"] = note
        case.reset()  # a fresh pattern for each library
        try:
            fill()
        except Exception as e:
            row.update(status="n/a", reason="%s: %s" % (type(e).__name__, e))
            continue
        row["checksum"] = checksum(case.output_buffer())
        seconds, samples = measure(fn, args.min_time, args.max_time)
        row.update(seconds=seconds, samples=samples, ns_per_call=seconds * 1e9,
                   gbps=BYTES_MOVED_PER_BYTE * case.bytes / seconds / 1e9 if seconds > 0 and
                   case.bytes else 0)
    return rows


def memcpy_gbps(nbytes, args):
    """numpy's contiguous copy of the same bytes (memcpy, one thread), for standalone ratios."""
    src = np.zeros(max(nbytes, 1), np.uint8)
    dst = np.ones(max(nbytes, 1), np.uint8)
    seconds, _ = measure(lambda: np.copyto(dst, src), args.min_time, args.max_time)
    return BYTES_MOVED_PER_BYTE * nbytes / seconds / 1e9 if seconds > 0 and nbytes else 0


def read_cases(path):
    cases = []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                cases.append(line)
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="*", help="cases in ravel's case language")
    parser.add_argument("--cases", dest="case_file", help="a case file (one a line, # comments)")
    parser.add_argument("--manifest", help="JSON lines from `ravel bench --peers` (case, seeds)")
    parser.add_argument("--threads", default="1", help="torch threads, a comma list (default 1)")
    parser.add_argument("--min-time", type=float, default=0.2)
    parser.add_argument("--max-time", type=float, default=5.0)
    parser.add_argument("--impl", default="numpy,torch", help="numpy, torch or both")
    parser.add_argument("--json", action="store_true", help="JSON lines instead of a table")
    parser.add_argument("--probe", action="store_true", help="print the libraries' versions")
    args = parser.parse_args()
    if args.probe:
        print(json.dumps({name: library_version(name) for name, _ in LIBRARIES}))
        return 0
    only = set(args.impl.split(","))
    entries = []
    if args.manifest:
        with open(args.manifest) as f:
            for line in f:
                if line.strip():
                    entry = json.loads(line)
                    entries.append((entry["case"], entry["index"], entry["src_seed"],
                                    entry["dst_seed"]))
    texts = list(args.cases) + (read_cases(args.case_file) if args.case_file else [])
    if not texts and not entries:
        here = os.path.dirname(os.path.abspath(__file__))
        texts = read_cases(os.path.join(here, "..", "bench", "cases", "inference.txt"))
    entries += [(text, i, SEED_BASE, None) for i, text in enumerate(texts, start=len(entries))]
    standalone = not args.manifest
    status = 0
    for threads in [int(t) for t in args.threads.split(",")]:
        if not args.json:
            print("## threads: %d (numpy: 1)" % threads)
        for text, index, src_seed, dst_seed in entries:
            print("peers.py [%d/%d, %d threads] %s" % (index + 1, len(entries), threads, text),
                  file=sys.stderr)
            rows = bench_case(text, index, threads, args, src_seed, dst_seed, only)
            if standalone and np is not None and rows and rows[0]["bytes"]:
                memcpy = memcpy_gbps(rows[0]["bytes"], args)
                for row in rows:
                    row["memcpy_gbps"] = memcpy
                    row["limit_gbps"] = memcpy
                    row["ratio"] = row["gbps"] / memcpy if memcpy else 0
            sums = {row["checksum"] for row in rows if "checksum" in row}
            for row in rows:
                if standalone and "checksum" in row:
                    # No ravel here to compare with: the libraries must agree with each other.
                    row["verified"] = len(sums) == 1
                if row["status"] not in ("ok", "n/a", "not installed"):
                    status = 1
                if args.json:
                    print(json.dumps(row), flush=True)
                else:
                    cell = ("%8.2f GB/s %12.1f ns" % (row["gbps"], row["ns_per_call"])
                            if row["status"] == "ok" else
                            "%s: %s" % (row["status"], row.get("reason", "")))
                    print("%-44s %-6s %s" % (text if row is rows[0] else "", row["impl"], cell),
                          flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
