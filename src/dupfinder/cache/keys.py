"""The cache's keys: BLAKE2b digests of exactly what each stored value is computed from.

Every key goes through :func:`digest` (BLAKE2b of byte parts, one after the other) and every set of
settings through :func:`settings_scope` (the settings and the code version, as sorted JSON), so the
same input always gives the same key bytes.  The *code version* is dupfinder's version plus a digest
of every ``.py`` file of the package, read once per process (a few milliseconds); a third-party
language plug-in adds a digest of its own source file to its files' keys.  Everything else costs one
hash of its input.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dupfinder import __version__
from dupfinder.model import Cluster, Skip, Unit

if TYPE_CHECKING:
    from dupfinder.config import ScanConfig

#: the dupfinder package, whose source the code version digests (this file is dupfinder/cache/keys.py)
_PACKAGE = Path(__file__).resolve().parents[1]


def digest(*parts: bytes, size: int = 16) -> bytes:
    """The ``size``-byte BLAKE2b digest of ``parts`` one after the other."""
    h = hashlib.blake2b(digest_size=size)
    for part in parts:
        h.update(part)
    return h.digest()


def _text(value: str) -> bytes:
    """``value`` as UTF-8, lone surrogates (undecodable file names) included."""
    return value.encode("utf-8", "surrogatepass")


def default_dir() -> str:
    """``$DUPFINDER_CACHE_DIR``, else ``$XDG_CACHE_HOME/dupfinder``, else ``~/.cache/dupfinder``."""
    explicit = os.environ.get("DUPFINDER_CACHE_DIR")
    if explicit:
        return explicit
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "dupfinder")


@functools.cache
def code_version() -> str:
    """dupfinder's version and a digest of every source file of the package."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return f"{__version__}+{h.hexdigest()}"


@functools.cache
def _language_version(language: str) -> str:
    """For a third-party language plug-in: its module and a digest of its source file."""
    from dupfinder import languages  # here, not at import: the keys do not depend on the registry otherwise

    try:
        name = type(languages.get(language)).__module__
        module = sys.modules.get(name) or importlib.import_module(name)
    except (KeyError, ImportError):
        return ""
    if module.__name__.startswith("dupfinder."):
        return ""  # covered by code_version()
    try:
        return f"{module.__name__}:{hashlib.blake2b(Path(str(module.__file__)).read_bytes()).hexdigest()}"
    except (OSError, TypeError):
        return module.__name__


def settings_scope(settings: Mapping[str, object]) -> bytes:
    """Digest of ``settings`` and the code version: the scope of every value computed under them."""
    text = json.dumps({"code": code_version(), "settings": dict(settings)}, sort_keys=True, default=str)
    return digest(text.encode())


def file_scope(config: ScanConfig) -> bytes:
    """Digest of everything besides the file that a file's result depends on."""
    return settings_scope({**config.signature_settings(), "max_file_bytes": config.max_file_bytes})


def file_key(scope: bytes, path: str, root: str, language: str, content_digest: bytes) -> bytes:
    """Where the result of the file at ``path`` with content ``content_digest`` is kept, within ``scope``."""
    parts = (_text(part) + b"\0" for part in (path, root, language, _language_version(language)))
    return digest(scope, *parts, content_digest, size=20)


def content_digest(data: bytes) -> bytes:
    """Digest of a file's bytes."""
    return digest(data, size=20)


def blob_id(data: bytes) -> bytes:
    """git's object id of ``data`` as a blob (``git hash-object --no-filters``; SHA-1, 20 bytes): what
    the index holds for a tracked file whose working-tree bytes are ``data``, so that a file git says
    is unchanged can be keyed without reading it (see :mod:`dupfinder.cache.store`'s ``blobs``)."""
    h = hashlib.sha1(b"blob %d\0" % len(data), usedforsecurity=False)
    h.update(data)
    return h.digest()


def pair_scope(config: ScanConfig) -> bytes:
    """Digest of everything besides two nodes that their candidacy and verified similarity depend on."""
    return settings_scope(
        {
            "threshold": config.threshold,
            "member": config.member_floor,
            "shingle": config.shingle,
            "num_perm": config.num_perm,
        }
    )


def snapshot_key(scope: bytes, base: str, roots: Sequence[str]) -> bytes:
    """Where the similarity graph of a scan of ``roots`` (relative to ``base``) is kept."""
    return digest(scope, _text("\0".join([base, *roots])))


def counts_key(config: ScanConfig, base: str, roots: Sequence[str]) -> bytes:
    """Where the identity features' counts of the last scan of ``roots`` are kept, beside its graph."""
    return digest(b"counts\0", snapshot_key(pair_scope(config), base, roots), file_scope(config))


def result_key(config: ScanConfig, base: str, roots: Sequence[str]) -> bytes:
    """Where the last result of a scan of ``roots`` (relative to ``base``) is kept, beside its graph."""
    return digest(b"result\0", snapshot_key(pair_scope(config), base, roots))


def result_digest(config: ScanConfig, file_keys: Sequence[bytes], skipped: Sequence[Skip]) -> bytes:
    """Digest of everything a scan's clusters depend on: each file's key (its path, root, language and
    content, and the per-file settings), discovery's skips, the similarity settings and dupfinder's code."""
    skips = (_text(f"\0{skip.path}\0{skip.reason}") for skip in skipped)
    return digest(pair_scope(config), file_scope(config), *file_keys, *skips, size=32)


def unit_content(unit: Unit) -> bytes:
    """Digest of a unit's location-free content (all that verification may look at); 16 bytes.  The
    per-file stage computes it and the file's record keeps it, so a rescan does not hash every unit."""
    fields = [unit.language, unit.name or "", unit.kind, str(len(unit.identifiers)), *unit.identifiers,
              str(len(unit.calls)), *unit.calls, str(len(unit.imports)), *unit.imports]  # fmt: skip
    return digest(unit.token_hashes, _text("\0".join(fields)))


def derived_key(namespace: bytes, scope: bytes, key: bytes) -> bytes:
    """Where a derived value (a component's groups, a cluster's category) of ``key`` is kept, within ``scope``."""
    return digest(namespace, b"\0", scope, key, size=20)


def category_scope(categories: Sequence[object]) -> bytes:
    """Digest of the categories' rules and the code version: what a cluster's category depends on besides it."""
    return digest((code_version() + repr(tuple(categories))).encode(), size=64)


def category_key(cluster: Cluster) -> bytes:
    """Digest of what a cluster's category is computed from: its copies' names, identifiers, calls and imports."""
    text = "\x1e".join(
        "\x1f".join((inst.name or "", *inst.identifiers, "\x1d", *inst.calls, "\x1d", *inst.imports))
        for inst in cluster.instances
    )
    return digest(_text(text), size=20)
