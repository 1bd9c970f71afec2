from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed (apt-get install git)")


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets a fresh scan cache: never the user's, never another test's."""
    monkeypatch.setenv("DUPFINDER_CACHE_DIR", str(tmp_path_factory.mktemp("dupfinder-cache")))
    monkeypatch.delenv("DUPFINDER_NO_CACHE", raising=False)


@pytest.fixture
def acme() -> Path:
    return FIXTURES / "acme-monorepo"


def write(root: Path, rel: str, text: str | bytes) -> Path:
    """Create ``root/rel`` with ``text`` (folders included) and return its path."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def git(repo: Path, *args: str) -> str:
    """``git args`` in ``repo`` (it must succeed); its standard output."""
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return proc.stdout


def init_repo(repo: Path) -> Path:
    """An empty git repository at ``repo`` (created), on branch ``main``, that commits without a signature."""
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "ci@example.com")
    git(repo, "config", "user.name", "CI")
    git(repo, "config", "commit.gpgsign", "false")
    return repo


def commit(repo: Path, message: str) -> None:
    """Commit everything in ``repo``'s working tree."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
