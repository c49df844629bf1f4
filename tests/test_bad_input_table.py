"""The table "Bad input, counted" in docs/write-path.md stays true.

Each row names a kind of bad input, its class, the message a bookkeeper sees and the test that shows
it. This checks, without running anything, that every cited test exists, that every class is one the
project has, and that every message is one the code (or the cited test, which asserts what the code
produces) actually contains: the text between ``<placeholders>`` must appear in a string literal.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

from pipelines.sync.errors import ERROR_CLASSES

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "write-path.md"
HEADING = "## Bad input, counted"
CODE = ("pipelines", "assets", "mappings", "sandbox")
CLASSES = {*ERROR_CLASSES, "usage error", "refused at load", "blocks the writes"}
SPAN = re.compile(r"(`+)(.+?)\1")
PLACEHOLDER = re.compile(r"<[^<>]*>|…")
EDGES = " :;,.—()'\"`"


def table() -> list[dict[str, str]]:
    section = DOC.read_text().split(HEADING, 1)[1]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    return [dict(zip(header, (cell.strip() for cell in line.strip("|").split(" | ")), strict=True))
            for line in lines[2:]]


def _strings(tree: ast.AST) -> list[str]:
    """Every string literal, f-strings with ``\\x00`` for what they interpolate — except the module's own
    string constants (``AFTER_FIX``), which are filled in as the reader sees them."""
    constants = {target.id: node.value.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for target in node.targets if isinstance(target, ast.Name)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node.value)
        elif isinstance(node, ast.JoinedStr):
            found.append("".join(
                part.value if isinstance(part, ast.Constant)
                else constants.get(part.value.id, "\x00") if isinstance(part.value, ast.Name) else "\x00"
                for part in node.values))
    return found


@cache
def code_strings() -> tuple[str, ...]:
    return tuple(text for folder in CODE for path in sorted((ROOT / folder).rglob("*.py"))
                 for text in _strings(ast.parse(path.read_text())))


@cache
def parsed(path: str) -> ast.Module:
    return ast.parse((ROOT / path).read_text())


def cited_test_exists(nodeid: str) -> bool:
    path, *names = nodeid.split("::")
    if not (ROOT / path).is_file() or not names:
        return False
    scope: list[ast.stmt] = parsed(path).body
    for name in names:
        found = [n for n in scope if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name == name]
        if not found:
            return False
        scope = found[0].body if isinstance(found[0], ast.ClassDef) else []
    return names[-1].startswith("test_")


def fragments(message: str) -> list[str]:
    pieces = (piece.strip(EDGES) for span in SPAN.findall(message) for piece in PLACEHOLDER.split(span[1]))
    return [piece for piece in pieces if len(piece) >= 12]


def test_the_table_counts_at_least_25_kinds_each_with_a_class_a_message_and_a_test() -> None:
    rows = table()
    assert len(rows) >= 25
    assert [row["#"] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
    for row in rows:
        named = SPAN.match(row["class"])
        assert (named.group(2) if named else row["class"].split("(")[0].strip()) in CLASSES, row
        assert fragments(row["what the bookkeeper sees"]), f"row {row['#']} quotes no message"
        cited = SPAN.findall(row["test"])
        assert cited, f"row {row['#']} cites no test"


def test_every_cited_test_exists() -> None:
    missing = [(row["#"], nodeid) for row in table() for _, nodeid in SPAN.findall(row["test"])
               if not cited_test_exists(nodeid)]
    assert not missing


def test_every_message_is_what_the_code_or_its_test_says() -> None:
    invented = []
    for row in table():
        corpus = list(code_strings())
        for _, nodeid in SPAN.findall(row["test"]):
            corpus += _strings(parsed(nodeid.split("::")[0]))
        invented += [(row["#"], piece) for piece in fragments(row["what the bookkeeper sees"])
                     if not any(piece in text for text in corpus)]
    assert not invented
