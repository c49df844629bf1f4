"""Xero's ``where`` filter and ``order``, translated to SQL over the ``docs`` table.

Supported (the forms clients use in practice): comparisons ``== != < > <= >=`` between a field
path (``Status``, ``Contact.ContactID``) and a literal (``"text"``, numbers, ``true``/``false``,
``null``, ``Guid("…")``, ``DateTime(2026,1,31[,h,m,s])``); ``AND``/``&&``, ``OR``/``||``,
``NOT``/``!``, parentheses; ``.Contains("x")``, ``.StartsWith("x")``, ``.EndsWith("x")`` and
``.ToLower()``/``.ToUpper()``. Text comparisons ignore case. Indexed fields use their column;
anything else is read from the stored JSON with ``json_extract``. Values are always bound as
parameters, never spliced into the SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sandbox.xero.kinds import Kind

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|<=|>=|&&|\|\||[<>()!,.])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_FIELD_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
MS_COLUMNS = {"date_ms", "updated_ms"}
_UPPER_COLUMNS = {"type", "status"}


class WhereError(ValueError):
    """The filter could not be understood."""


@dataclass
class Field:
    path: str
    transform: str | None = None  # lower / upper


@dataclass
class Literal:
    value: object
    kind: str  # text, number, bool, null, guid, datetime


@dataclass
class Call:
    field: Field
    method: str  # contains, startswith, endswith
    argument: str


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise WhereError(f"cannot parse where near {text[position:position + 20]!r}")
        position = match.end()
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        position = self.index + offset
        return self.tokens[position] if position < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1].upper() != value.upper()):
            raise WhereError(f"expected {value or 'more'} in where filter")
        self.index += 1
        return token

    def is_word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token[1].upper() in words

    def parse(self) -> object:
        node = self.parse_or()
        if self.peek() is not None:
            raise WhereError(f"unexpected {self.peek()[1]!r} in where filter")  # type: ignore[index]
        return node

    def parse_or(self) -> object:
        node = self.parse_and()
        while self.is_word("OR", "||"):
            self.take()
            node = ("or", node, self.parse_and())
        return node

    def parse_and(self) -> object:
        node = self.parse_not()
        while self.is_word("AND", "&&"):
            self.take()
            node = ("and", node, self.parse_not())
        return node

    def parse_not(self) -> object:
        if self.is_word("NOT", "!"):
            self.take()
            return ("not", self.parse_not())
        if self.is_word("("):
            self.take("(")
            node = self.parse_or()
            self.take(")")
            return node
        return self.parse_comparison()

    def parse_comparison(self) -> object:
        left = self.parse_operand()
        token = self.peek()
        if token and token[0] == "op" and token[1] in ("==", "!=", "<", ">", "<=", ">="):
            self.take()
            return ("cmp", token[1], left, self.parse_operand())
        if isinstance(left, Call):
            return ("call", left)
        if isinstance(left, Field):
            return ("cmp", "==", left, Literal(True, "bool"))
        raise WhereError("a where clause needs a comparison")

    def parse_operand(self) -> Field | Literal | Call:
        kind, value = self.take()
        if kind == "string":
            return Literal(re.sub(r"\\(.)", r"\1", value[1:-1]), "text")
        if kind == "number":
            return Literal(Decimal(value), "number")
        if kind != "ident":
            raise WhereError(f"unexpected {value!r} in where filter")
        word = value.upper()
        if word in ("TRUE", "FALSE"):
            return Literal(word == "TRUE", "bool")
        if word == "NULL":
            return Literal(None, "null")
        if word == "GUID" and self.is_word("("):
            self.take("(")
            argument = self.parse_operand()
            self.take(")")
            if not isinstance(argument, Literal):
                raise WhereError("Guid() needs a string")
            return Literal(str(argument.value).lower(), "guid")
        if word in ("DATETIME", "DATETIMEOFFSET") and self.is_word("("):
            return self.parse_datetime()
        return self.parse_field(value)

    def parse_datetime(self) -> Literal:
        self.take("(")
        parts: list[int] = []
        while True:
            kind, value = self.take()
            if kind == "string":
                from sandbox.xero.dates import parse_timestamp_ms

                return self._close_datetime(parse_timestamp_ms(value[1:-1]))
            if kind != "number":
                raise WhereError("DateTime() needs numbers")
            parts.append(int(Decimal(value)))
            if self.is_word(")"):
                break
            self.take(",")
        stamp = datetime(*parts, tzinfo=UTC)  # type: ignore[misc]
        return self._close_datetime(int(stamp.timestamp() * 1000))

    def _close_datetime(self, ms: int) -> Literal:
        self.take(")")
        return Literal(ms, "datetime")

    def parse_field(self, first: str) -> Field | Call:
        parts = [first]
        field = Field("")
        while self.is_word("."):
            self.take(".")
            _kind, name = self.take()
            if self.is_word("("):
                self.take("(")
                method = name.lower()
                if method in ("tolower", "toupper"):
                    self.take(")")
                    field.transform = "lower" if method == "tolower" else "upper"
                    continue
                if method in ("contains", "startswith", "endswith"):
                    argument = self.parse_operand()
                    self.take(")")
                    field.path = ".".join(parts)
                    return Call(field, method, str(getattr(argument, "value", "")))
                raise WhereError(f"unsupported method {name!r} in where filter")
            parts.append(name)
        field.path = ".".join(parts)
        return field


def parse(text: str) -> object:
    return _Parser(_tokenize(text)).parse()


def _field_sql(kind: Kind, field: Field) -> tuple[str, str | None, list[object]]:
    """SQL for a field, its indexed column (if any) and the parameters the SQL uses."""
    if not _FIELD_PATH.match(field.path):
        raise WhereError(f"bad field {field.path!r}")
    column = kind.field_column(field.path)
    sql, params = (column, []) if column else ("json_extract(body, ?)", [f"$.{field.path}"])
    if field.transform:
        sql = f"{field.transform}({sql})"
    return sql, column, params


def _param(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _compare(kind: Kind, op: str, left: object, right: object, params: list[object]) -> str:
    if isinstance(left, Literal) and isinstance(right, Field):
        flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
        return _compare(kind, flipped.get(op, op), right, left, params)
    if not isinstance(left, Field) or not isinstance(right, Literal):
        raise WhereError("compare a field with a value")
    field_sql, column, field_params = _field_sql(kind, left)
    if right.kind == "null":
        params.extend(field_params)
        return f"{field_sql} IS {'NOT ' if op == '!=' else ''}NULL"
    value, collate = right.value, ""
    if right.kind == "datetime" and column not in MS_COLUMNS:
        field_sql = f"msdate({field_sql})"
    elif right.kind == "guid" and column not in ("id", "contact_id"):  # those are stored lower-case
        field_sql = f"lower({field_sql})"
    elif right.kind == "text":
        if column in _UPPER_COLUMNS:
            value = str(value).upper()
        else:
            collate = " COLLATE NOCASE"
    sql_op = {"==": "=", "!=": "<>"}.get(op, op)
    if op == "!=":  # Xero's != keeps records where the field is missing
        params.extend([*field_params, *field_params, _param(value)])
        return f"({field_sql} IS NULL OR {field_sql} <> ?{collate})"
    params.extend([*field_params, _param(value)])
    return f"{field_sql} {sql_op} ?{collate}"


def _call(kind: Kind, call: Call, params: list[object]) -> str:
    field_sql, _column, field_params = _field_sql(kind, call.field)
    escaped = call.argument.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = {"contains": f"%{escaped}%", "startswith": f"{escaped}%", "endswith": f"%{escaped}"}[call.method]
    params.extend([*field_params, pattern])
    return f"{field_sql} LIKE ? ESCAPE '\\'"


def to_sql(kind: Kind, text: str) -> tuple[str, list[object]]:
    """SQL for ``where`` over ``docs`` rows of ``kind``, and its parameters."""
    params: list[object] = []

    def walk(node: object) -> str:
        tag = node[0]  # type: ignore[index]
        if tag in ("and", "or"):
            return f"({walk(node[1])} {tag.upper()} {walk(node[2])})"  # type: ignore[index]
        if tag == "not":
            return f"(NOT {walk(node[1])})"  # type: ignore[index]
        if tag == "call":
            return _call(kind, node[1], params)  # type: ignore[index]
        return _compare(kind, node[1], node[2], node[3], params)  # type: ignore[index]

    return walk(parse(text)), params


def order_sql(kind: Kind, text: str | None, params: list[object]) -> str:
    """``ORDER BY`` terms for ``order=Field [ASC|DESC], …``; always ends on (UpdatedDateUTC, id)
    so paging is stable."""
    terms = []
    for part in (text or "").split(","):
        words = part.split()
        if not words:
            continue
        direction = "DESC" if len(words) > 1 and words[1].upper() == "DESC" else "ASC"
        field_sql, column, field_params = _field_sql(kind, Field(words[0]))
        params.extend(field_params)
        collate = " COLLATE NOCASE" if column in ("number", "name", "reference") else ""
        terms.append(f"{field_sql}{collate} {direction}")
    terms += [term for term in ("updated_ms ASC", "id ASC") if term not in terms]
    return ", ".join(terms)
