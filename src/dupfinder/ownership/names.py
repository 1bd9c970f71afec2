"""Owner names: how an owner written in CODEOWNERS or a catalog file becomes a team name.

Owner names from CODEOWNERS and catalog files go through a normaliser
(:func:`default_owner_name` unless another is given): ``@acme/identity`` ->
``identity``, ``group:default/identity`` -> ``identity``, ``user:default/ann``
-> ``user:ann``; ``@alice`` and e-mail addresses are kept as written.
:func:`verbatim_owner` keeps every owner exactly as written.
"""

from __future__ import annotations

import re

_ENTITY_REF = re.compile(r"(?:(?P<kind>[A-Za-z][\w-]*):)?(?:(?P<ns>[^/:@\s]+)/)?(?P<name>[^/:@\s]+)")


def default_owner_name(owner: str) -> str:
    """``@org/team`` -> ``team``; Backstage ``group:ns/name`` -> ``name``; users and e-mails as written."""
    o = owner.strip()
    if o.startswith("@") and not o.startswith("@@") and "/" in o:
        return o.rsplit("/", 1)[1]
    m = _ENTITY_REF.fullmatch(o)
    if m is None:
        return o
    kind = (m["kind"] or "group").lower()
    return m["name"] if kind == "group" else f"{kind}:{m['name']}"


def verbatim_owner(owner: str) -> str:
    """Keep owners exactly as written (``@acme/identity`` stays ``@acme/identity``)."""
    return owner.strip()


__all__ = ["default_owner_name", "verbatim_owner"]
