"""Write outputs all-or-nothing (privacy rule 6): build in a temporary folder, rename at the end.

Three guarantees beyond the rename:
- Every folder `atomic_dir` publishes carries a marker file (`OUTPUT_MARKER`), and an existing
  folder that stands where an output folder goes is only ever removed when it has that marker:
  a folder of the user's that happens to share an output's name is refused, never deleted.
  Outputs merged into a folder that already held other files leave it unmarked (it is not
  wholly ours).
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
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from privsynth.errors import InputError

# The marker file in every folder privsynth writes: what makes a folder "a previous output of
# ours" that a later run may replace.
OUTPUT_MARKER = ".privsynth-output"
_MARKER_TEXT = json.dumps({"written_by": "privsynth", "what": "an output folder"}) + "\n"


# What a release folder of privsynth versions before the marker held; such a folder (its
# manifest names privsynth) counts as ours too, so `make demo` can refresh older outputs.
_LEGACY_FILES = {"manifest.json", "README.md", "release.csv", "release.parquet", "release.pq",
                 "synthetic.csv", "synthetic.parquet"}


def is_privsynth_output(path: str | os.PathLike[str]) -> bool:
    """True if `path` is a folder that privsynth wrote: it holds the marker file, or it is a
    release folder of an earlier version (only release files, and a manifest naming privsynth)."""
    p = Path(path)
    if not p.is_dir() or p.is_symlink():
        return False
    return (p / OUTPUT_MARKER).is_file() or _legacy_release(p)


def _legacy_release(p: Path) -> bool:
    names = {item.name for item in p.iterdir()}
    if "manifest.json" not in names or not names <= _LEGACY_FILES:
        return False
    try:
        manifest = json.loads((p / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(manifest, dict) and (
        "privsynth_version" in manifest or manifest.get("generator") == "privsynth"
    )


def mark_output(folder: str | os.PathLike[str]) -> None:
    """Put the marker file into `folder` and every folder below it (they are all ours)."""
    for root, _dirs, _files in os.walk(folder):
        marker = Path(root) / OUTPUT_MARKER
        if not marker.exists():
            marker.write_text(_MARKER_TEXT)


@contextlib.contextmanager
def atomic_dir(out: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary folder beside `out`; on success move its files into `out`.

    On any exception (SIGINT and SIGTERM included) the temporary folder is removed and `out` is
    left as it was, so a failed run never leaves a half-written release behind. An item of the
    temporary folder replaces the item of `out` with its name; a folder there is only replaced
    if privsynth wrote it (marker file), else the run stops with an `InputError`.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    parent = out.parent if str(out.parent) else Path(".")
    _make_parent(parent)
    with _terminate_cleanly():
        tmp = Path(_os_call(parent, tempfile.mkdtemp, prefix=f".{out.name}.tmp-", dir=parent))
        try:
            yield tmp
            mark_output(tmp)
            _publish_mode(tmp, 0o777)
            if not out.exists():
                _os_call(parent, os.replace, tmp, out)
                return
            _check_replaceable(tmp, out)
            # Merged into a folder that holds files of someone else's: not all ours, no marker.
            ours = is_privsynth_output(out) or not any(out.iterdir())
            for item in tmp.iterdir():
                if item.name == OUTPUT_MARKER and not ours:
                    continue
                target = out / item.name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                _move(item, target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _check_replaceable(tmp: Path, out: Path) -> None:
    """Refuse, before anything moves, a folder in `out` that an output would replace but that
    privsynth did not write."""
    for item in tmp.iterdir():
        if item.name == OUTPUT_MARKER:
            continue
        target = out / item.name
        if target.is_dir() and not target.is_symlink() and not is_privsynth_output(target):
            raise InputError(
                f"{target}: a folder that privsynth did not write is where an output goes; "
                "move it or choose another output folder (nothing was written)"
            )


def _move(item: Path, target: Path) -> None:
    try:
        os.replace(item, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise InputError(f"{target}: cannot write here ({_reason(exc)})") from None
        # `out` is (on) another file system than its parent: copy, then swap in place.
        shutil.move(str(item), str(target))


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
