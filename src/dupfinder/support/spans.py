"""Line spans: two spans of one file that nest (one holds the other)."""

from __future__ import annotations


def nests(a_path: str, a: tuple[int, int], b_path: str, b: tuple[int, int]) -> bool:
    """Whether the 1-based inclusive line spans ``a`` and ``b`` are in one file and one holds the other."""
    return a_path == b_path and ((a[0] <= b[0] and b[1] <= a[1]) or (b[0] <= a[0] and a[1] <= b[1]))
