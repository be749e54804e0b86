"""The docs stay true: docs/hookspecs.md mirrors hookspecs.py, the README's commands
match .ci/run, and the CLI reference names every command.

Regenerate the hook reference after changing a hook spec::

    .venv/bin/python tests/core/test_docs.py
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOOKSPECS_MD = REPO / "docs" / "hookspecs.md"
BEGIN = "<!-- BEGIN GENERATED: hook reference (tests/core/test_docs.py) -->"
END = "<!-- END GENERATED -->"


def hook_reference() -> str:
    """Markdown for every hook in ``ocrkit.hookspecs``: signature, calling, docstring."""
    from ocrkit import hookspecs

    parts = []
    hooks = [fn for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("ocrkit_")]
    for fn in sorted(hooks, key=lambda f: f.__code__.co_firstlineno):  # in the order of the source
        name = fn.__name__
        opts = getattr(fn, "ocrkit_spec", {}) or {}
        calling = "firstresult (the first non-`None` answer wins)" if opts.get("firstresult") else "broadcast (every answer is collected)"
        signature = f"def {name}{inspect.signature(fn)}".replace("'", "")
        parts.append(
            f"### `{name}`\n\n*Calling:* {calling}\n\n```python\n{signature}\n```\n\n{inspect.getdoc(fn)}\n"
        )
    return "\n".join(parts)


def generated_section() -> str:
    return f"{BEGIN}\n\n{hook_reference()}\n{END}"


def test_hookspec_reference_is_current() -> None:
    text = HOOKSPECS_MD.read_text(encoding="utf-8")
    current = text[text.index(BEGIN): text.index(END) + len(END)]
    assert current == generated_section(), "docs/hookspecs.md is stale: run python tests/core/test_docs.py"


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_command = ".venv/bin/python -m pytest"
    assert f"\n{test_command}\n" in readme
    assert re.search(rf"^{re.escape(test_command)}$", ci, re.MULTILINE)
    setup = re.search(r"^python3 -m venv \.venv && (.+)$", readme, re.MULTILINE)
    assert setup, "README's one-line set-up command"
    assert 'pip install -e ".[all,test]"' in setup.group(1) and 'pip install --quiet -e ".[all,test]"' in ci


def test_cli_reference_names_every_command() -> None:
    from ocrkit.cli import build_parser

    doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, sub in commands.items():
        assert f"ocrkit {name}" in doc, name
        for action in sub._actions:
            if action.choices and name == "models":
                for subname in action.choices:
                    assert f"ocrkit models {subname}" in doc, subname


CORE_PAGES = ("index", "quickstart", "lifecycle", "hookspecs", "cli", "json-format", "model-store")


def test_docs_links_resolve() -> None:
    for page in [REPO / "README.md", *(REPO / "docs" / f"{name}.md" for name in CORE_PAGES)]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"


if __name__ == "__main__":
    text = HOOKSPECS_MD.read_text(encoding="utf-8")
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    HOOKSPECS_MD.write_text(text[:start] + generated_section() + text[stop:], encoding="utf-8")
    print(f"wrote {HOOKSPECS_MD}", file=sys.stderr)
