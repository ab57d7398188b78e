"""Makes the package in python/ importable without installing it. The library is found as
ravel._capi documents (RAVEL_LIBRARY, else build/src/libravel.so of this checkout).
RAVEL_TEST_SEED=<n> replays the random tests with another seed."""

import os
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

DEFAULT_SEED = 0x7261_7665_6C


def base_seed():
    """The seed of the random tests: RAVEL_TEST_SEED if set, else a fixed one."""
    value = os.environ.get("RAVEL_TEST_SEED", "")
    return int(value, 0) if value else DEFAULT_SEED
