"""Text for a terminal: names from the data printed literally, never as instructions.

Column names, category labels, file names and policy names come from files a user may not
control. Printed raw, an escape sequence in a column name (`\x1b]8;;...`, `\x1b[2J`) would be
run by the terminal, a carriage return or a bidirectional override would hide or reorder what
is shown, and rich would read `income[/]` as markup (and fail). `for_terminal` turns every
non-printable character into a visible escape (`\x1b`, `\u202e`); `markup_safe` also escapes
rich markup, for text that goes through a rich console.
"""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text


def _escaped(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def for_terminal(text: object) -> str:
    """`text` with every character that is not printable (control characters, line breaks,
    format characters such as bidirectional overrides, unassigned code points) replaced by its
    backslash escape; ordinary spaces and printable Unicode stay as they are."""
    s = str(text)
    if s.isprintable():
        return s
    return "".join(ch if ch.isprintable() else _escaped(ch) for ch in s)


def markup_safe(text: object) -> str:
    """`for_terminal(text)` with rich markup escaped: shown literally by a rich console."""
    return escape(for_terminal(text))


def plain(text: object) -> Text:
    """`for_terminal(text)` as a rich `Text`, which rich never parses as markup (a table cell,
    a title)."""
    return Text(for_terminal(text))


def json_for_terminal(text: str) -> str:
    """A JSON document (from `json.dumps(..., ensure_ascii=False)`) with every non-printable
    character inside its strings written as a `\\uXXXX` escape: the same JSON value, but
    nothing in it a terminal would act on. (json.dumps escapes only U+0000..U+001F.)"""
    if text.replace("\n", "").isprintable():
        return text
    out = []
    for ch in text:
        if ch == "\n" or ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:  # a surrogate pair, as JSON spells characters beyond the BMP
            v = ord(ch) - 0x10000
            out.append(f"\\u{0xD800 + (v >> 10):04x}\\u{0xDC00 + (v & 0x3FF):04x}")
    return "".join(out)
