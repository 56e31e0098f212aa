"""Write outputs all-or-nothing (privacy rule 6): build in a temporary folder, rename at the end.

Guarantees beyond the rename:
- An output folder is never merged into. `atomic_dir` publishes into a folder that does not
  exist or is empty; a non-empty folder is refused unless the caller asks to `overwrite`, and
  even then it is replaced whole only when it is a previous output of ours: it carries the
  marker file (`OUTPUT_MARKER`, which lists the files privsynth wrote there) and holds nothing
  else, in it or in any folder below it. A folder of the user's is never deleted.
- No output is written over one of the run's inputs: `check_output_dir` and `check_not_input`
  refuse an output folder that is or holds an input (or the current folder), and an output
  file that is an input (same real path or same inode).
- SIGTERM cleans up as SIGINT does: inside an atomic block a SIGTERM raises `SystemExit(143)`,
  so the temporary file or folder is removed before the process ends (the handler that was
  there before is restored when the block exits).
- Failures of the file system (no permission, no space, a read-only or foreign mount) are an
  `InputError` naming the folder, not a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

from privsynth.errors import InputError

# The marker file in every folder privsynth writes: what makes a folder "a previous output of
# ours" that a later run may replace. It lists the names privsynth wrote beside it.
OUTPUT_MARKER = ".privsynth-output"
_WRITTEN_BY = "privsynth"

# What a release folder of privsynth versions before the marker held; such a folder (its
# manifest names privsynth) counts as ours too, so `make demo` can refresh older outputs.
_LEGACY_FILES = {"manifest.json", "README.md", "release.csv", "release.parquet", "release.pq",
                 "synthetic.csv", "synthetic.parquet"}
# ... and what the demo's folder held then (its release folders are legacy releases).
_LEGACY_DEMO_FILES = {"scan.json", "anonymized-audit.html", "anonymized-audit.json",
                      "synthetic-audit.html", "synthetic-audit.json"}
_LEGACY_DEMO_DIRS = {"anonymized", "synthetic"}

PathLike = str | os.PathLike[str]


def is_privsynth_output(path: PathLike) -> bool:
    """True if `path` is a folder wholly written by privsynth: it holds the marker file and only
    the names the marker lists (each subfolder again wholly ours), or it is an output of an
    earlier version (a release folder: only release files and a manifest naming privsynth; the
    demo's folder: its files and such release folders). A symlink is never ours."""
    p = Path(path)
    if not p.is_dir() or p.is_symlink():
        return False
    return _foreign_item(p) is None


def _foreign_item(p: Path) -> str | None:
    """The first item (a path relative to `p`) that makes the folder `p` not wholly ours, ""
    for a folder that is not ours at all, None when it is wholly ours."""
    written = _marker_names(p)
    if written is None:
        return None if _legacy_release(p) or _legacy_demo(p) else ""
    for item in sorted(p.iterdir()):
        if item.name == OUTPUT_MARKER:
            continue
        if written is not True and item.name not in written:
            return item.name
        if item.is_dir() and not item.is_symlink():
            inner = _foreign_item(item)
            if inner is not None:
                return f"{item.name}/{inner}" if inner else item.name
    return None


def _marker_names(p: Path) -> set[str] | bool | None:
    """The names the marker of `p` lists; True for a marker that lists none (phase-A markers
    said only who wrote the folder); None when there is no valid marker."""
    marker = p / OUTPUT_MARKER
    if not marker.is_file() or marker.is_symlink():
        return None
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("written_by") != _WRITTEN_BY:
        return None
    files = data.get("files")
    if files is None:
        return True
    if not isinstance(files, list):
        return None
    return {str(f) for f in files}


def _legacy_release(p: Path) -> bool:
    names = {item.name for item in p.iterdir()}
    if "manifest.json" not in names or not names <= _LEGACY_FILES:
        return False
    if any((p / n).is_symlink() or not (p / n).is_file() for n in names):
        return False
    try:
        manifest = json.loads((p / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(manifest, dict) and (
        "privsynth_version" in manifest or manifest.get("generator") == "privsynth"
    )


def _legacy_demo(p: Path) -> bool:
    items = list(p.iterdir())
    if not any(i.name in _LEGACY_DEMO_DIRS for i in items):
        return False
    for item in items:
        if item.is_symlink():
            return False
        if item.is_dir():
            if item.name not in _LEGACY_DEMO_DIRS or not is_privsynth_output(item):
                return False
        elif item.name not in _LEGACY_DEMO_FILES:
            return False
    return True


def mark_output(folder: PathLike) -> None:
    """Put the marker file, listing what is there, into `folder` and every folder below it
    (they are all ours)."""
    for root, dirs, files in os.walk(folder):
        names = sorted(n for n in [*dirs, *files] if n != OUTPUT_MARKER)
        text = json.dumps({"written_by": _WRITTEN_BY, "what": "an output folder",
                           "files": names}) + "\n"  # fmt: skip
        (Path(root) / OUTPUT_MARKER).write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------ outputs vs. inputs
def _real(path: PathLike) -> Path:
    return Path(os.path.realpath(os.path.abspath(os.fspath(path))))


def _same_file(a: PathLike, b: PathLike) -> bool:
    """Same real path, or (both existing) the same inode: a hard link is the same file."""
    if _real(a) == _real(b):
        return True
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def check_not_input(
    output: PathLike, inputs: Iterable[PathLike | None], what: str = "the output"
) -> None:
    """Refuse an output file that is one of `inputs` (same real path or inode): a command
    never writes over what it reads. `what` names the option in the message."""
    for inp in inputs:
        if inp is not None and _is_file_path(inp) and _same_file(output, inp):
            raise InputError(
                f"{output}: {what} would overwrite the input {inp}; choose another path "
                "(nothing was written)"
            )


def _is_file_path(value: PathLike) -> bool:
    """A path given as an input (a built-in policy name like `dp-synthetic` is not one)."""
    return isinstance(value, os.PathLike) or os.path.exists(os.fspath(value))


def check_output_dir(
    out: PathLike, *, overwrite: bool = False, inputs: Iterable[PathLike | None] = ()
) -> Path:
    """Refuse an output folder the run may not write, before any work is done.

    Refused: a file in the way; the current folder or one that holds it (`--out .`); a folder
    that is or holds one of `inputs`; a non-empty folder unless `overwrite` (and then only a
    previous output of ours, which is replaced whole). Returns `out` as a `Path`.
    """
    out = Path(out)
    if (out.exists() or out.is_symlink()) and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    real = _real(out)
    cwd = _real(".")
    if real == cwd or real in cwd.parents:
        raise InputError(
            f"{out}: is the current folder or holds it; give the output a folder of its own "
            "(e.g. --out released/)"
        )
    for inp in inputs:
        if inp is None or not _is_file_path(inp):
            continue
        where = _real(inp)
        if where == real or real in where.parents:
            raise InputError(
                f"{out}: holds the input {inp}; an output folder never contains the run's "
                "inputs, choose another folder (nothing was written)"
            )
    if out.is_dir() and _os_call(out, _non_empty, out):
        if not overwrite:
            raise InputError(
                f"{out}: is not empty; choose a new folder, or give --overwrite to replace a "
                "previous privsynth output there (nothing was written)"
            )
        if not is_privsynth_output(out):
            item = _foreign_item(out) if not out.is_symlink() else ""
            named = f" ({item})" if item else ""
            raise InputError(
                f"{out}: holds files privsynth did not write{named}; --overwrite replaces only a "
                "previous privsynth output, never other files (nothing was written)"
            )
    return out


def _non_empty(folder: Path) -> bool:
    with os.scandir(folder) as it:
        return any(True for _ in it)


# --------------------------------------------------------------------------- atomic outputs
@contextlib.contextmanager
def atomic_dir(out: PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside `out`; on success it becomes `out`, whole.

    On any exception (SIGINT and SIGTERM included) the temporary folder is removed and `out` is
    left as it was, so a failed run never leaves a half-written release behind. `out` may be
    absent or an empty folder; a non-empty one is refused unless `overwrite`, which replaces a
    previous output of ours whole (never merges, never deletes a folder privsynth did not
    write: see `check_output_dir`). The check runs on entry and again before publishing.
    """
    out = check_output_dir(out, overwrite=overwrite)
    parent = out.parent if str(out.parent) else Path(".")
    _make_parent(parent)
    with _terminate_cleanly():
        tmp = Path(_os_call(parent, tempfile.mkdtemp, prefix=f".{out.name}.tmp-", dir=parent))
        try:
            yield tmp
            mark_output(tmp)
            _publish_mode(tmp, 0o777)
            _publish(tmp, out, overwrite=overwrite)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _publish(tmp: Path, out: Path, *, overwrite: bool) -> None:
    """Make the finished `tmp` the folder `out` (see `atomic_dir`)."""
    parent = tmp.parent
    if not out.exists() and not out.is_symlink():
        _os_call(parent, os.rename, tmp, out)
        return
    check_output_dir(out, overwrite=overwrite)  # it may have changed while the run worked
    if not _os_call(out, _non_empty, out):
        _fill(tmp, out)  # an empty folder of the user's: kept (its mount, its permissions)
        return
    old = parent / f".{out.name}.old-{secrets.token_hex(6)}"
    try:
        os.rename(out, old)
    except OSError:  # a mount point, or a parent we may not rename in: clear it, then fill it
        _clear(out)
        _fill(tmp, out)
        return
    try:
        _os_call(parent, os.rename, tmp, out)
    except BaseException:
        os.rename(old, out)  # put the previous output back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _clear(out: Path) -> None:
    """Empty `out`, a previous output of ours (checked by the caller)."""
    for item in list(out.iterdir()):
        if item.is_dir() and not item.is_symlink():
            _os_call(out, shutil.rmtree, item)
        else:
            _os_call(out, item.unlink)


def _fill(tmp: Path, out: Path) -> None:
    """Move the items of `tmp` into the empty folder `out`."""
    for item in tmp.iterdir():
        _move(item, out / item.name)


def _move(item: Path, target: Path) -> None:
    try:
        os.replace(item, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise InputError(f"{target.parent}: cannot write here ({_reason(exc)})") from None
        # `out` is (on) another file system than its parent: copy, then remove the original.
        try:
            shutil.move(str(item), str(target))
        except OSError as exc2:
            raise InputError(f"{target.parent}: cannot write here ({_reason(exc2)})") from None


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds.

    SIGINT and SIGTERM during the block remove the temporary file, as any exception does.
    """
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a folder, expected a file path")
    _make_parent(path.parent)
    with _terminate_cleanly():
        fd, tmp_name = _os_call(
            path.parent, tempfile.mkstemp, prefix=f".{path.name}.tmp-", dir=path.parent
        )
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            yield tmp
            _publish_mode(tmp, 0o666)
            _os_call(path.parent, os.replace, tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """Inside the block, SIGTERM raises SystemExit(143) (128 + SIGTERM, the shell's code) in the
    main thread so `finally` clauses run; the previous handler comes back afterwards. Outside
    the main thread Python cannot install handlers, and the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum, frame):  # noqa: ARG001 - the signal module's signature
        raise SystemExit(128 + signal.SIGTERM)

    try:
        previous = signal.signal(signal.SIGTERM, on_term)
    except (ValueError, OSError):  # e.g. an embedding interpreter without signal support
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _os_call(folder: Path, fn, *args, **kwargs):
    """Call `fn`; an OSError (no permission, read-only, no space) becomes an InputError."""
    try:
        return fn(*args, **kwargs)
    except OSError as exc:
        raise InputError(f"{folder}: cannot write here ({_reason(exc)})") from None


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish_mode(path: Path, base: int) -> None:
    """Give a finished output the permissions a plain write would have (mkstemp / mkdtemp
    create them private to the owner, which would hide a release from its readers)."""
    os.chmod(path, base & ~_umask())


def _make_parent(parent: Path) -> None:
    """Create the output's parent folder; a file in the way is bad input, not a crash."""
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(f"{parent}: cannot create this folder, a file is in the way") from None
    except OSError as exc:
        raise InputError(f"{parent}: cannot create this folder ({_reason(exc)})") from None
