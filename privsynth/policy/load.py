"""Load, dump and describe policies, with errors that name the file, line and field.

YAML is parsed once into the composed node tree, whose marks give the line of every key and
value, and the plain data for pydantic is constructed from that tree. A pydantic error location
(`columns.zip.hierarchy.lengths.0`) is walked down that tree to the deepest node that exists,
which gives the line.

Hostile files are refused before anything expands them: a policy file is a regular file of at
most `MAX_POLICY_BYTES` (a device such as /dev/zero, a pipe or a huge file is refused without
being read whole), and the composed tree, in which an alias is a reference to its anchor's node,
is measured as it would be once every alias is expanded (`MAX_POLICY_NODES` nodes, nesting
`MAX_POLICY_DEPTH` deep, no alias that contains itself): a "billion laughs" alias bomb fails
in milliseconds with one line, instead of expanding into gigabytes in validation.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from privsynth.errors import PolicyError
from privsynth.policy.models import Audit, ColumnAction, Match, Policy, Privacy, ReleaseSettings

BUILTIN_PACKAGE = "privsynth.policies"
# The built-in policies are under 5 KB; a policy past 1 MiB is a mistake or an attack.
MAX_POLICY_BYTES = 1024 * 1024
# Nodes (mappings, sequences, scalars) of the policy with every alias expanded, and nesting.
MAX_POLICY_NODES = 100_000
MAX_POLICY_DEPTH = 64


def builtin_policies() -> list[str]:
    """Names of the policies shipped inside the package (`load_policy(name)` finds them)."""
    files = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name[: -len(".yaml")] for p in files.iterdir() if p.name.endswith(".yaml"))


def _builtin_path(name: str) -> Path | None:
    stem = name[: -len(".yaml")] if name.endswith(".yaml") else name
    candidate = resources.files(BUILTIN_PACKAGE) / f"{stem}.yaml"
    return Path(str(candidate)) if candidate.is_file() else None


def load_policy(source: str | os.PathLike[str]) -> Policy:
    """Load and validate a policy file, or a built-in policy by name (`"hipaa-safe-harbor"`).

    Raises `PolicyError` whose message reads `FILE:LINE FIELD: what is wrong`.
    """
    path = Path(source)
    if not path.exists():
        builtin = _builtin_path(str(source)) if os.sep not in str(source) else None
        if builtin is None:
            names = ", ".join(builtin_policies())
            raise PolicyError(f"{source}: no such policy file (built-in policies: {names})")
        path = builtin
    if path.is_dir():
        raise PolicyError(f"{path}: is a folder, expected a policy YAML file")
    text = _read_policy_text(path)
    policy = parse_policy(text, filename=str(source) if not path.is_absolute() else str(path))
    policy._source = str(path.resolve())
    return policy


def _read_policy_text(path: Path) -> str:
    """The policy file's text: a regular file of at most MAX_POLICY_BYTES, UTF-8."""
    try:
        if not path.is_file():
            raise PolicyError(f"{path}: not a regular file (a device, pipe or socket)")
        if path.stat().st_size > MAX_POLICY_BYTES:
            raise PolicyError(f"{path}: larger than {MAX_POLICY_BYTES // 1024} KiB; not a policy")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_POLICY_BYTES + 1)  # a file that grows meanwhile is cut here
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read it ({exc.strerror or type(exc).__name__})") from None
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(f"{path}: larger than {MAX_POLICY_BYTES // 1024} KiB; not a policy")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(f"{path}: not a UTF-8 text file") from None


def _compose(text: str, filename: str) -> tuple[yaml.Node | None, Any]:
    """The YAML node tree of `text` and the data constructed from it, after the tree passed
    `_check_expansion` (so no alias is ever expanded past the limits)."""
    if len(text) > MAX_POLICY_BYTES:
        raise PolicyError(f"{filename}: larger than {MAX_POLICY_BYTES // 1024} KiB; not a policy")
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # its reader refuses control characters right here
        node = loader.get_single_node()
        if node is None:
            return None, None
        _check_expansion(node, filename)
        return node, loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise PolicyError(f"{filename}:{line} invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(f"{filename}: invalid YAML: {_one_line(exc)}") from None
    except RecursionError:
        raise PolicyError(f"{filename}: invalid YAML: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def _check_expansion(root: yaml.Node, filename: str) -> None:
    """Refuse a tree that would be too big or too deep once its aliases are expanded.

    Sizes are computed bottom-up with one entry per distinct node (an alias shares its anchor's
    node), so the check costs the size of the text, not of the expansion. A node reached again
    while its own children are being counted is an alias inside itself: refused.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # iterative post-order: (node, depth, children done?)
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(c)] for c in _children(node))
            if total > MAX_POLICY_NODES:
                raise PolicyError(
                    f"{filename}:{root.start_mark.line + 1} the policy expands to more than "
                    f"{MAX_POLICY_NODES:,} values (YAML aliases); refused before expanding it"
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise PolicyError(
                f"{filename}:{node.start_mark.line + 1} invalid YAML: an alias refers to a "
                "node that contains it (a recursive structure)"
            )
        if depth > MAX_POLICY_DEPTH:
            raise PolicyError(
                f"{filename}:{node.start_mark.line + 1} invalid YAML: nested more than "
                f"{MAX_POLICY_DEPTH} levels deep"
            )
        on_path.add(key)
        stack.append((node, depth, True))
        for child in _children(node):
            if id(child) not in sizes:
                stack.append((child, depth + 1, False))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def parse_policy(text: str, *, filename: str = "<policy>") -> Policy:
    """Validate policy YAML `text`; `filename` only labels error messages."""
    node, data = _compose(text, filename)
    if data is None:
        raise PolicyError(f"{filename}:1 the policy is empty")
    if not isinstance(data, dict):
        raise PolicyError(f"{filename}:1 a policy is a mapping of fields (name, columns, ...)")
    _check_duplicate_keys(node, filename)
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_format_errors(exc, node, filename)) from None
    policy._text = text
    return policy


def policy_sha256(policy: Policy) -> str:
    """Hash of the policy's exact source text (or of its canonical dump when built in code)."""
    text = policy._text if policy._text is not None else dump_policy(policy)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dump_policy(policy: Policy | str) -> str:
    """The policy as YAML, without defaults that were never set; `parse_policy` reads it back.

    Policy YAML text (such as `draft_policy`'s, comments and all) is checked and returned as is.
    """
    if isinstance(policy, str):
        parse_policy(policy)
        return policy
    data = policy.model_dump(mode="json", by_alias=True, exclude_unset=True, exclude_none=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def policy_json_schema() -> dict[str, Any]:
    """JSON Schema of the policy file, for editors (`policies/policy.schema.json`)."""
    schema = Policy.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://privsynth.dev/policy.schema.json"
    schema["title"] = "privsynth policy"
    return schema


def write_json_schema(path: str | os.PathLike[str]) -> Path:
    """Write `policy_json_schema()` to `path` (sorted keys, stable diff)."""
    path = Path(path)
    path.write_text(json.dumps(policy_json_schema(), indent=2, sort_keys=True) + "\n")
    return path


# ------------------------------------------------------------------------------ error formatting
def _check_duplicate_keys(node: yaml.Node | None, filename: str) -> None:
    """PyYAML silently keeps the last of two equal keys; a policy must not."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            k = key.value if isinstance(key, yaml.ScalarNode) else id(key)
            if k in seen:
                raise PolicyError(
                    f"{filename}:{key.start_mark.line + 1} {k}: duplicate key "
                    f"(first given on line {seen[k]})"
                )
            seen[k] = key.start_mark.line + 1
            _check_duplicate_keys(value, filename)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _check_duplicate_keys(item, filename)


def _locate(node: yaml.Node | None, loc: tuple[Any, ...]) -> tuple[int, list[str]]:
    """Line (1-based) of the deepest node on `loc`, and the path segments that exist in YAML."""
    line = node.start_mark.line + 1 if node is not None else 1
    path: list[str] = []
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    node = value
                    # A nested mapping's own mark is its first key; the key's line reads better.
                    line = key.start_mark.line + 1
                    if isinstance(value, yaml.ScalarNode | yaml.SequenceNode):
                        line = value.start_mark.line + 1 if value.value else line
                    path.append(str(part))
                    break
            else:
                # Union tags and the like are not in the YAML; missing fields stay at the parent.
                if isinstance(part, str) and not _is_union_tag(part):
                    path.append(part)
                continue
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                node = node.value[part]
                line = node.start_mark.line + 1
            path.append(str(part))
        else:
            if not _is_union_tag(str(part)):
                path.append(str(part))
    return line, path


def _is_union_tag(part: str) -> bool:
    # pydantic puts the chosen union member / discriminator value into the location.
    return part in {"intervals", "dates", "prefix", "arx", "topcode"} or bool(
        re.fullmatch(r"[a-z]+\[.*\]|function-.*|tuple\[.*\]|list\[.*\]|str|int|float|bool", part)
    )


_ROOT_PREFIX = re.compile(r"^((?:[\w\-]+)(?:\.[\w\-]+)*): (.*)$", re.S)


def _format_errors(exc: ValidationError, node: yaml.Node | None, filename: str) -> str:
    lines: list[str] = []
    seen: set[str] = set()
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        msg = _message(err)
        # Policy-level validators name the field at the start of their message ("columns.x: ...").
        if not loc:
            m = _ROOT_PREFIX.match(msg)
            if m:
                loc = tuple(int(p) if p.isdigit() else p for p in m.group(1).split("."))
                msg = m.group(2)
        # A bad item of a list of numbers reads better as a fault of the list.
        if loc and isinstance(loc[-1], int) and err["type"] in _LIST_ITEM_TYPES:
            loc = loc[:-1]
            msg = f"expected a list of {_LIST_ITEM_TYPES[err['type']]}"
        line, path = _locate(node, loc)
        field = ".".join(path) or "policy"
        text = f"{filename}:{line} {field}: {msg}"
        if text not in seen:
            seen.add(text)
            lines.append(text)
    first = lines[0]
    if len(lines) > 1:
        first += f" (and {len(lines) - 1} more: " + "; ".join(lines[1:4]) + ")"
    return first


_LIST_ITEM_TYPES = {
    "int_parsing": "integers",
    "int_type": "integers",
    "int_from_float": "integers",
    "float_parsing": "numbers",
    "float_type": "numbers",
    "string_type": "strings",
}

_FIELDS_OF = {
    "policy": ["name", "description", "unmatched", "release", "privacy", "columns", "rules", "audit"],
}


def _message(err: dict[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "required field missing"
    if kind == "extra_forbidden":
        name = str(err["loc"][-1]) if err["loc"] else ""
        hint = _suggest(name)
        return "unknown field" + (f" (did you mean {hint!r}?)" if hint else "")
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected', '')}, got {_shown(err.get('input'))}"
    if kind == "union_tag_invalid":
        return f"unknown type {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "needs a type (intervals, dates, prefix, arx or topcode)"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected an integer, got {_shown(err.get('input'))}"
    if kind in ("float_parsing", "float_type"):
        return f"expected a number, got {_shown(err.get('input'))}"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list, got {type(err.get('input')).__name__}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping, got {type(err.get('input')).__name__}"
    if kind == "string_type":
        return f"expected a string, got {_shown(err.get('input'))}"
    if kind == "bool_parsing":
        return f"expected true or false, got {_shown(err.get('input'))}"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{err['msg'][0].lower()}{err['msg'][1:]}, got {_shown(err.get('input'))}"
    msg = err["msg"]
    return msg[0].lower() + msg[1:]


def _shown(value: Any) -> str:
    """A policy value for an error line: its repr, cut to 60 characters (a 1 MB string in a
    policy would otherwise make the one line a megabyte)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _suggest(name: str) -> str | None:
    known: set[str] = set(_FIELDS_OF["policy"]) | {"match"}
    for model in (ColumnAction, Match, Privacy, ReleaseSettings, Audit):
        known |= set(model.model_fields)
        known |= {f.alias for f in model.model_fields.values() if f.alias}
    hits = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
    return hits[0] if hits else None
