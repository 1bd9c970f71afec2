"""Values derived from content, kept in the store's ``derived`` table: components' groups, clusters' categories.

Each is stored under :func:`dupfinder.cache.keys.derived_key` of its input's digest, its kind and a
scope (the code and settings it also depends on), in its record of :mod:`dupfinder.cache.records`;
a damaged entry reads as missing.  A lookup costs one hash per key and one decode per entry found.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

from dupfinder.cache import records
from dupfinder.cache.keys import category_key, category_scope, derived_key
from dupfinder.cache.records import Categorized, Groups
from dupfinder.cache.store import Cache
from dupfinder.model import Cluster

V = TypeVar("V")


class _Derived(Generic[V]):
    """Values computed from content, kept in the ``derived`` table under digests of their inputs and
    a scope (the code and settings they also depend on); damaged entries read as missing."""

    namespace = b""

    def __init__(self, cache: Cache, scope: bytes) -> None:
        self.cache, self.scope = cache, scope

    def _key(self, key: bytes) -> bytes:
        return derived_key(self.namespace, self.scope, key)

    def _encode(self, value: V) -> bytes:
        raise NotImplementedError

    def _decode(self, blob: bytes) -> V | None:
        raise NotImplementedError

    def get(self, keys: Sequence[bytes]) -> dict[bytes, V]:
        scoped = {self._key(k): k for k in keys}
        out: dict[bytes, V] = {}
        for stored_key, blob in self.cache.get_derived(list(scoped)).items():
            value = self._decode(blob)
            if value is not None:
                out[scoped[stored_key]] = value
        return out

    def put(self, items: Sequence[tuple[bytes, V]]) -> None:
        self.cache.put_derived([(self._key(k), self._encode(v)) for k, v in items])


class GroupCache(_Derived[Groups]):
    """:class:`dupfinder.similarity.cluster.GroupStore` on the cache: the groups of each connected component."""

    namespace = b"groups"

    def _encode(self, value: Groups) -> bytes:
        return records.encode_groups(value)

    def _decode(self, blob: bytes) -> Groups | None:
        return records.decode_groups(blob)


class CategoryCache(_Derived[Categorized]):
    """Each cluster's category (:func:`dupfinder.rules.categorize`), remembered by what it is computed from:
    the copies' names, identifiers, calls and imports, the categories' rules and dupfinder's code."""

    namespace = b"categories"

    def __init__(self, cache: Cache, categories: Sequence[object]) -> None:
        super().__init__(cache, category_scope(categories))

    def key(self, cluster: Cluster) -> bytes:
        return category_key(cluster)

    def _encode(self, value: Categorized) -> bytes:
        return records.encode_category(value)

    def _decode(self, blob: bytes) -> Categorized | None:
        return records.decode_category(blob)
