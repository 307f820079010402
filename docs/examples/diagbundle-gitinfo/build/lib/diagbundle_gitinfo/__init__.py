"""Example diagbundle plugin: the state of a git checkout.

It shows the three things a plugin usually does: register a collector, add
an option for it, and teach the redactor a secret format of its own. The
collector reads everything in-process or through ``git`` with a timeout and
stdin closed, and never writes outside the context.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from diagbundle import CliOption, Collector, Context, Rule, UsageError, hookimpl

__version__ = "1.0.0"


def _repo(ctx: Context) -> Path:
    return Path(ctx.options.get("git_repo") or ".")


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=5,
        check=True,
    )
    return done.stdout.strip()


def check(ctx: Context) -> str | None:
    """Skip outside a checkout; a --git-repo that does not exist is a usage error."""
    repo = _repo(ctx)
    if ctx.options.get("git_repo") and not repo.is_dir():
        raise UsageError(f"--git-repo {repo}: no such folder")
    if not (repo / ".git").exists():
        return f"{repo} is not a git checkout"
    return None


def collect(ctx: Context) -> None:
    repo = _repo(ctx)
    state = {
        "branch": _git(repo, "rev-parse", "--abbrev-ref", "HEAD"),
        "head": _git(repo, "rev-parse", "HEAD"),
        "dirty_files": len(_git(repo, "status", "--porcelain").splitlines()),
        # Remote URLs may carry credentials; the redactor removes them.
        "remotes": _git(repo, "remote", "-v").splitlines(),
    }
    ctx.add_json("git.json", state)
    ctx.summary(f"- on branch `{state['branch']}` at `{state['head'][:12]}`, "
                f"{state['dirty_files']} changed file(s)")


@hookimpl
def diagbundle_register_collectors(register: Callable[[Collector], None]) -> None:
    register(Collector("gitinfo", "Branch, HEAD and remotes of a git checkout", collect,
                       check=check, plan=lambda ctx: [f"git -C {_repo(ctx)}"], timeout=10))


@hookimpl
def diagbundle_register_options(register: Callable[[CliOption], None]) -> None:
    register(CliOption(("--git-repo",), "git_repo", "the checkout to describe (default: .)",
                       metavar="PATH"))


@hookimpl
def diagbundle_register_redaction_rules(register: Callable[[Rule], None]) -> None:
    # Deploy tokens of the (fictional) Acme CI, which no built-in rule knows.
    register(Rule("acme-deploy-token", r"\bacmedt_[A-Za-z0-9]{24}\b"))
