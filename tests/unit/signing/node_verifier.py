"""Run the independent JavaScript verifier (../shared/tools/node-verifier) from tests.

The shared folder sits beside the repository (read-only in CI). If the tool has no
``node_modules`` there, it is copied into a cache folder and installed with ``npm ci`` (exact
versions from its lockfile); the copy is reused while the lockfile is unchanged.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED = REPO_ROOT / ".." / "shared"
TOOL = SHARED / "tools" / "node-verifier"
CONTEXT_DIR = SHARED / "ref" / "contexts"
_TOOL_FILES = ("package.json", "package-lock.json", "verify.mjs", "selftest.mjs")


@dataclass(frozen=True)
class NodeVerifier:
    """``node verify.mjs`` in ``directory``, with the shared contexts."""

    directory: Path

    def run(self, credential: Path, *args: str) -> subprocess.CompletedProcess:
        """``node verify.mjs CREDENTIAL --context-dir <shared contexts> ARGS``; never raises on
        a non-zero exit (0 verified, 1 not verified, 2 usage error)."""
        command = ["node", "verify.mjs", str(Path(credential).resolve()),
                   "--context-dir", str(CONTEXT_DIR.resolve()), *args]
        return subprocess.run(command, cwd=self.directory, capture_output=True, text=True,
                              timeout=120, check=False)


def missing_reason() -> str | None:
    """Why the verifier cannot run here (a reason to skip), or None."""
    if shutil.which("node") is None:
        return "node is not installed (the independent verifier needs Node 18+)"
    return None


def install(cache_dir: Path) -> NodeVerifier:
    """A ready verifier: the shared copy if installed, else a cached ``npm ci`` copy.

    Fails (not skips) when the tool is absent or ``npm ci`` fails: node is there, so the
    interoperability check must run.
    """
    if not (TOOL / "verify.mjs").is_file():
        raise RuntimeError(f"independent verifier not found at {TOOL.resolve()}")
    if (TOOL / "node_modules").is_dir():
        return NodeVerifier(TOOL.resolve())
    lock = hashlib.sha256((TOOL / "package-lock.json").read_bytes()).hexdigest()[:12]
    target = Path(cache_dir) / f"node-verifier-{lock}"
    if not (target / "node_modules" / ".installed").is_file():
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for name in _TOOL_FILES:
            if (TOOL / name).is_file():
                shutil.copy2(TOOL / name, target / name)
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install the independent verifier")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=target,
                              capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"npm ci failed for the independent verifier:\n"
                               f"{done.stderr[-2000:]}")
        (target / "node_modules" / ".installed").write_text(lock, encoding="utf-8")
    return NodeVerifier(target)
