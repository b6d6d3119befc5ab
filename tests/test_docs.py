"""The README tells the truth: its first command works, its exit-code table is the code's, and
every command of the CLI is documented in it."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

import click
import pytest
from conftest import ROOT

from termalign.app.cli import EXIT_CODES, main

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    """The README's first two commands: the first two ```bash blocks, one line each."""
    blocks = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    return [b.strip() for b in blocks[:2]]


def termalign_parts(command: str) -> list[list[str]]:
    """The `termalign ...` steps of an `&&` chain, as argument lists (without `termalign`)."""
    steps = [shlex.split(part) for part in command.split("&&")]
    return [step[1:] for step in steps if step and step[0] == "termalign"]


def test_the_first_two_commands_are_install_and_test():
    first, second = readme_commands()
    assert first.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install -e . && termalign ")
    assert second.endswith("&& python -m pytest -q")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert second in ci.splitlines(), ".ci/run must run the README's second command verbatim"


@pytest.mark.slow  # builds the example corpus from scratch (encoding, alignment, glossary): ~30-90 s
def test_the_first_command_builds_and_searches_the_example_corpus(tmp_path):
    steps = termalign_parts(readme_commands()[0])
    assert [s[0] for s in steps] == ["build", "search"]
    env_store = ["--store", str(tmp_path / "store")]
    out = []
    for step in steps:
        r = subprocess.run(
            [sys.executable, "-m", "termalign.app", *step, *env_store],
            cwd=ROOT,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=900,
        )
        assert r.returncode == 0, (step, r.stderr[-2000:])
        out.append(r.stdout)
    build_out, search_out = out
    # the summary line has the shape the README shows, with the README's counts
    shown = re.search(r"^  (5 files \(5 built, 0 unchanged, 0 failed\); .*?) in termalign-store", README, re.M)
    assert shown, "README no longer shows the build summary of examples/rare-earths"
    assert f"{shown.group(1)} in {tmp_path / 'store'} (" in build_out, build_out
    # the search finds the glossary entry 稀土 ↔ rare earth, and example pairs with it
    assert "稀土" in search_out and "rare earth" in search_out.lower(), search_out


def readme_exit_codes() -> dict[int, str]:
    section = README.split("## Exit codes and limits", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| *(\d+) *\| *(.+?) *\|$", section, re.M)
    return {int(code): meaning for code, meaning in rows}


def test_the_exit_code_table_is_the_codes_the_cli_uses():
    table = readme_exit_codes()
    assert list(table) == sorted(EXIT_CODES) == list(EXIT_CODES)
    for code, meaning in EXIT_CODES.items():  # the same meaning: the two share a word
        words = set(re.findall(r"[a-z]{4,}", meaning.lower()))
        assert words & set(re.findall(r"[a-z]{4,}", table[code].lower())), (code, table[code], meaning)


def cli_commands(group: click.Group = main, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            out += cli_commands(cmd, f"{prefix}{name} ")
        else:
            out.append((prefix + name, cmd))
    return out


def test_every_command_has_help_and_appears_in_the_readme():
    commands = cli_commands()
    assert len(commands) >= 10
    for name, cmd in commands:
        assert (cmd.help or "").strip(), f"`termalign {name}` has no help"
        assert re.search(rf"termalign {re.escape(name)}\b", README), f"`termalign {name}` is not in README.md"
