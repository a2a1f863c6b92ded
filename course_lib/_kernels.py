"""Elementwise kernels: run over cache-sized blocks, and the shared pieces they use.

A chain of NumPy ufuncs over a 1e6-element array streams every intermediate through
main memory and faults in a fresh buffer for each temporary. Applying the same chain
to blocks of `BLOCK` elements keeps the intermediates in cache and reuses a few small
scratch buffers: the sigmoid measured 1.6 times faster this way. The result is
bit-for-bit the same, since every operation is elementwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._arrays import FloatResult, finish

__all__ = ["BLOCK", "blockwise", "blockwise_float64", "neg_abs", "one_plus", "via_float64"]

BLOCK = 65536


def blockwise(
    kernel: Callable[..., None], z: np.ndarray, scratch: Sequence[np.dtype | type] = ()
) -> np.ndarray:
    """Return ``out`` with ``kernel(z_block, out_block, *scratch_blocks)`` applied blockwise.

    `z` is read in C order; ``out`` is a new C-ordered array of `z`'s shape and dtype
    (0-d included). The kernel writes its result into its second argument and may use
    the scratch buffers, one per dtype in `scratch`, freely.
    """
    out = np.empty(z.shape, dtype=z.dtype)
    flat_in = np.ravel(z)
    flat_out = out.reshape(-1)
    n = flat_in.size
    buffers = [np.empty(min(BLOCK, n), dtype=dt) for dt in scratch]
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        k = stop - start
        kernel(flat_in[start:stop], flat_out[start:stop], *(b[:k] for b in buffers))
    return out


def blockwise_float64(
    kernel: Callable[..., None], z: np.ndarray, scratch: Sequence[np.dtype | type] = ()
) -> FloatResult:
    """`blockwise` computed in float64, rounded once back to z's dtype (as `via_float64`).

    A float64 `z` is `blockwise` itself: the kernel writes straight into the result. A
    narrow (or longdouble) `z` is converted a block at a time into a float64 buffer and
    the kernel's float64 result rounded into the output, so no float64 copy of the
    whole input is ever made.
    """
    if z.dtype == np.float64:
        with np.errstate(under="ignore"):  # subnormal results are answers, not errors
            return finish(blockwise(kernel, z, scratch))
    if z.dtype == np.float16:  # native byte order: a look-up in the table of all 65,536
        table = _half_table(kernel, tuple(scratch))
        bits = np.ravel(z).view(np.uint16)
        out = np.empty(z.shape, dtype=z.dtype)
        flat_out = out.reshape(-1)
        for start in range(0, bits.size, BLOCK):  # by blocks: the indices become intp
            np.take(table, bits[start : start + BLOCK], out=flat_out[start : start + BLOCK])
        return finish(out)
    return finish(_rounded_once(kernel, z, scratch))


# blockwise_float64's result for each of the 65,536 float16 values, by kernel
_HALF_TABLES: dict[tuple[Callable[..., None], tuple[np.dtype | type, ...]], np.ndarray] = {}
_EVERY_HALF = np.arange(2**16, dtype=np.uint16).view(np.float16)


def _half_table(kernel: Callable[..., None], scratch: tuple[np.dtype | type, ...]) -> np.ndarray:
    """The float16 results of `kernel` for every float16 bit pattern, made on first use.

    A float16 input has only 65,536 possible values, so its results (float64, rounded
    once) are looked up: the same bits as converting block by block, at the cost of a
    gather instead of two slow float16 conversions and the float64 work.
    """
    key = (kernel, scratch)
    if key not in _HALF_TABLES:
        # the table's NaNs include signalling ones, which raise "invalid" on arithmetic
        with np.errstate(invalid="ignore"):
            _HALF_TABLES[key] = _rounded_once(kernel, _EVERY_HALF, scratch)
    return _HALF_TABLES[key]


def _rounded_once(
    kernel: Callable[..., None], z: np.ndarray, scratch: Sequence[np.dtype | type]
) -> np.ndarray:
    """`blockwise_float64` for a narrow (or longdouble) `z`, block by block."""
    out = np.empty(z.shape, dtype=z.dtype)
    flat_in = np.ravel(z)
    flat_out = out.reshape(-1)
    n = flat_in.size
    x_buf, out_buf, *buffers = (
        np.empty(min(BLOCK, n), dtype=dt) for dt in (np.float64, np.float64, *scratch)
    )
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        k = stop - start
        x, result = x_buf[:k], out_buf[:k]
        with np.errstate(over="ignore", under="ignore"):  # longdouble beyond float64's range
            x[...] = flat_in[start:stop]
        with np.errstate(under="ignore"):
            kernel(x, result, *(b[:k] for b in buffers))
        with np.errstate(over="ignore", under="ignore"):
            flat_out[start:stop] = result
    return out


# Setting the sign bit gives -|z| in one integer pass instead of abs then negative.
_SIGN_BIT: dict[np.dtype, np.unsignedinteger] = {
    np.dtype(np.float16): np.uint16(1 << 15),
    np.dtype(np.float32): np.uint32(1 << 31),
    np.dtype(np.float64): np.uint64(1 << 63),
}


def neg_abs(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = -|z|`` for contiguous 1-D `z` and `out` (NaN stays NaN)."""
    bit = _SIGN_BIT.get(z.dtype)
    if bit is None:  # longdouble or non-native byte order
        return np.negative(np.abs(z, out=out), out=out)
    np.bitwise_or(z.view(bit.dtype), bit, out=out.view(bit.dtype))
    return out


def one_plus(e: np.ndarray, den: np.ndarray, lo: np.ndarray) -> None:
    """``den + lo = 1 + e`` exactly, for ``0 <= e <= 1`` (Fast2Sum; NaN stays NaN)."""
    np.add(e, 1, out=den)
    np.subtract(den, 1, out=lo)
    np.subtract(e, lo, out=lo)


def via_float64(z: np.ndarray, kernel: Callable[[np.ndarray], np.ndarray]) -> FloatResult:
    """Apply `kernel` to `z` as 1-d float64 blocks; round once back to z's dtype and shape.

    For float16 and float32 inputs this makes the result the float64 one rounded once,
    within half an ulp but for rare double roundings, whatever the accuracy of numpy's
    narrow ``exp`` on the CPU; a longdouble input is computed in float64. `kernel` must
    be elementwise: it gets `BLOCK` elements at a time, so that its temporaries (and
    the float64 copy of a narrow input) stay the size of a block, in cache, whatever
    the size of `z`.
    """
    out = np.empty(z.shape, dtype=z.dtype)
    flat_in = np.ravel(z)
    flat_out = out.reshape(-1)
    for start in range(0, flat_in.size, BLOCK):
        chunk = flat_in[start : start + BLOCK]
        with np.errstate(over="ignore", under="ignore"):  # longdouble beyond float64's range
            x = np.asarray(chunk, dtype=np.float64)
        with np.errstate(under="ignore"):  # subnormal results are answers, not errors
            result = kernel(x)
        with np.errstate(over="ignore", under="ignore"):
            flat_out[start : start + BLOCK] = result
    return finish(out)
