"""Writing results safely: refuse to clobber, write beside the target and rename, and never inject.

Every output goes through :func:`atomic_write`, so an interrupted run leaves the old file (or none), never
half a workbook. (CSV cells that start like a formula are defused where the CSV is made, in `flat`.)
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import Finding, UsageError
from .decode import file_problem

FORMATS = ("xlsx", "csv", "json")


def check_inputs(paths: Iterable[Path]) -> None:
    """An input that does not exist, or is a folder, is a usage error (exit 2), said in the user's language."""
    for path in paths:
        problem = file_problem(path)
        if problem is not None:
            raise UsageError([Finding(*problem)])


def check_output(path: Path, inputs: Iterable[Path], force: bool) -> None:
    """Refuse an output that is one of the inputs, a folder, or that exists without `force` (exit 2)."""
    if "\x00" in str(path):
        raise UsageError([Finding("path_nul", {"path": str(path).replace("\x00", "\\0")})])
    for source in inputs:
        if path.resolve() == source.resolve():
            raise UsageError([Finding("output_is_input", {"path": str(path)})])
    if os.path.isdir(path):  # never raises, for a name too long either
        raise UsageError([Finding("output_is_dir", {"path": str(path)})])
    if os.path.lexists(path) and not force:  # a dangling link counts: writing would create its target
        raise UsageError([Finding("output_exists", {"path": str(path)})])


def _mode(path: Path) -> int:
    """The permissions a new output gets: those of the file it replaces, else what the umask allows (a
    colleague on a shared drive can open it, as with any file the user saves). A link is replaced, not
    followed, so its target's mode does not count."""
    try:
        info = path.lstat()
        if not stat.S_ISLNK(info.st_mode):
            return stat.S_IMODE(info.st_mode)
    except OSError:
        pass
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


#: temporary names carry the writing process's id, so a later run can sweep what a killed one left
TEMP_MARK = "kpiscore"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # no permission to signal it: it exists
        return True
    return True


def sweep(folder: Path, pattern: str) -> None:
    """Remove what a run killed mid-write (SIGKILL, power loss) left in `folder`: `pattern` names carrying
    a process id that is no longer running."""
    if os.name != "posix":
        return
    try:
        leftovers = list(folder.glob(pattern))
    except OSError:
        return
    for leftover in leftovers:
        pid = leftover.name.split(".")[-2] if leftover.is_file() else leftover.name.split("-")[1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)


@contextmanager
def scratch() -> Iterator[str]:
    """A private folder for xlsxwriter's temporary files, removed however the write ends (a killed run's
    is swept by the next)."""
    base = Path(tempfile.gettempdir())
    sweep(base, f"{TEMP_MARK}-*-*")
    folder = tempfile.mkdtemp(prefix=f"{TEMP_MARK}-{os.getpid()}-")
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _os_error(exc: BaseException) -> OSError | None:
    """The OSError behind an exception (xlsxwriter wraps a full disk in its own FileCreateError)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def atomic_write(path: Path, write: Callable[[Path], object], force: bool = True) -> None:
    """Call `write` on a temporary file in the target's folder, then put it in place: renamed over the
    target with `force`, else linked so that a target created meanwhile by another run is never replaced.
    A folder that cannot be written to, a full disk, or a target open in another program is a usage error;
    the temporary file never stays behind."""
    tmp = path.parent / f".~{path.name}.{os.getpid()}.{TEMP_MARK}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sweep(path.parent, f".~*.{TEMP_MARK}")
        tmp.unlink(missing_ok=True)
        tmp.touch(exist_ok=False)
    except OSError as exc:
        raise _failure("output_unwritable", path, exc) from None
    try:
        write(tmp)
        os.chmod(tmp, _mode(path))
        if force:
            os.replace(tmp, path)
        else:
            _link(tmp, path)
    except UsageError:
        raise
    except BaseException as exc:
        error = _os_error(exc)
        if isinstance(exc, Exception) and error is not None:
            code = "output_locked" if isinstance(error, PermissionError) else "output_failed"
            raise _failure(code, path, error) from exc
        raise
    finally:
        tmp.unlink(missing_ok=True)


def _link(tmp: Path, path: Path) -> None:
    """Put `tmp` at `path` only if nothing is there (not even a dangling link) when it happens."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise UsageError([Finding("output_exists", {"path": str(path)})]) from None
    except OSError:  # a file system without hard links: claim the name, then replace the empty claim
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            raise UsageError([Finding("output_exists", {"path": str(path)})]) from None
        os.replace(tmp, path)


def _failure(code: str, path: Path, exc: OSError) -> UsageError:
    return UsageError([Finding(code, {"path": str(path), "detail": exc.strerror or str(exc)})])
