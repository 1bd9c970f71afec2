"""Discovery on real folders: ignores, excludes, links and skips."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import write
from dupfinder.config import ScanConfig
from dupfinder.discover.walk import discover
from dupfinder.errors import InputError

PY = "def f(x):\n    return x\n"


def paths(root: Path, **kw: object) -> list[str]:
    return [f.path for f in discover([str(root)], ScanConfig(**kw)).files]  # type: ignore[arg-type]


def test_gitignore_at_every_level_and_negation(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "generated/\n*.gen.py\n")
    write(tmp_path, "src/a.py", PY)
    write(tmp_path, "src/b.gen.py", PY)
    write(tmp_path, "generated/c.py", PY)
    write(tmp_path, "src/.gitignore", "local_*.py\n!local_keep.py\n")
    write(tmp_path, "src/local_x.py", PY)
    write(tmp_path, "src/local_keep.py", PY)
    write(tmp_path, "other/local_x.py", PY)
    assert paths(tmp_path) == ["other/local_x.py", "src/a.py", "src/local_keep.py"]
    assert len(paths(tmp_path, use_gitignore=False)) == 6


def test_default_and_user_excludes(tmp_path: Path) -> None:
    for rel in ["node_modules/x/i.js", ".venv/lib/s.py", "build/o.py", "vendor/v.go", "web/app.min.js",
                ".git/hooks/h.py", "web/app.js", "svc/main.go", "svc/main_test.go"]:  # fmt: skip
        write(tmp_path, rel, "x\n")
    assert paths(tmp_path) == ["svc/main.go", "svc/main_test.go", "web/app.js"]
    assert paths(tmp_path, exclude=("*_test.go",)) == ["svc/main.go", "web/app.js"]
    assert "vendor/v.go" in paths(tmp_path, use_default_excludes=False)


def test_symlinks_never_leave_the_root_or_loop(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(root, "pkg/a.py", PY)
    write(tmp_path, "outside/secret.py", PY)
    os.symlink(tmp_path / "outside", root / "escape")
    os.symlink(tmp_path / "outside" / "secret.py", root / "secret_link.py")
    os.symlink(root / "pkg", root / "pkg" / "loop")
    os.symlink(root / "pkg" / "a.py", root / "alias.py")
    d = discover([str(root)], ScanConfig())
    assert [f.path for f in d.files] == ["alias.py"] or [f.path for f in d.files] == ["pkg/a.py"]
    reasons = {s.path: s.reason for s in d.skipped}
    assert reasons["escape"] == "symlink points outside the scanned root"
    assert reasons["secret_link.py"] == "symlink points outside the scanned root"
    assert any("loop" in r or "already scanned" in r for r in reasons.values())


def test_too_large_is_skipped_with_reason(tmp_path: Path) -> None:
    write(tmp_path, "big.py", "x = 1\n" * 1000)
    d = discover([str(tmp_path)], ScanConfig(max_file_bytes=100))
    assert d.files == () and d.skipped[0].reason.startswith("too large")


def test_several_roots_are_relative_to_their_common_parent(tmp_path: Path) -> None:
    write(tmp_path, "team-a/a.py", PY)
    write(tmp_path, "team-b/b.py", PY)
    d = discover([str(tmp_path / "team-b"), str(tmp_path / "team-a")], ScanConfig())
    assert d.roots == ("team-a", "team-b")
    assert [(f.path, f.root) for f in d.files] == [("team-a/a.py", "team-a"), ("team-b/b.py", "team-b")]


def test_extensionless_script_with_shebang(tmp_path: Path) -> None:
    write(tmp_path, "bin/tool", "#!/usr/bin/env python3\n" + PY)
    write(tmp_path, "bin/notes", "just text\n")
    assert paths(tmp_path) == ["bin/tool"]


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        discover([str(tmp_path / "nope")], ScanConfig())
