"""Run a native reader where its crash cannot take kpiscore down.

calamine is Rust: a crafted or damaged workbook can make it allocate half a terabyte (a stray cell at
XFD1048576 makes a dense range of 17 billion cells) or panic, and a failed allocation aborts the whole
process with no Python exception to catch. Reading in a forked child with a memory limit turns that into
"this file could not be read". Where fork is missing (Windows), the reader runs in process, behind the
checks the readers make first.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import warnings
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ..core.say import Term

T = TypeVar("T")

#: the child may use this much memory beyond what the parent had when it forked, plus 64 × the file size
BASE_BUDGET = 2 * 2**30
MAX_BUDGET = 16 * 2**30


class ReaderCrashed(Exception):
    """The reader died (abort, out of memory, signal) instead of raising."""

    def __init__(self, exitcode: int | None):
        self.exitcode = exitcode
        name = signal.Signals(-exitcode).name if exitcode is not None and exitcode < 0 else str(exitcode)
        super().__init__(f"the reader stopped ({name})")


class ReaderFailed(Exception):
    """The reader raised; its exception, rendered in the child, is the message."""


class Refused(Exception):
    """A check refused the file before the reader could hurt itself: a finding's code and parameters."""

    def __init__(self, code: str, **params: Any):
        self.code, self.params = code, params
        super().__init__(code)


def can_isolate() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _address_space() -> int:
    """The virtual memory the process holds now (the child's limit must leave room for it)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def failure(exc: BaseException) -> str:
    """What a reader library's exception says: its type and words, or "" where it says nothing."""
    said = str(exc).strip()
    return f"{type(exc).__name__}: {said}" if said else ""


def reader_detail(exc: BaseException) -> str | Term:
    """A failure's words for a finding: a bare exception (KeyError with no words) says that the content
    could not be parsed, never its Python name."""
    said = str(exc) if isinstance(exc, ReaderFailed | ReaderCrashed) else failure(exc)
    return said[:200] if said.strip() else Term("parse_failed")


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...], limit: int) -> None:
    try:
        import faulthandler
        import resource

        faulthandler.disable()  # pytest's handler would print "Fatal Python error" for an abort we expect

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)  # a Rust abort prints its backtrace: the parent says what happened instead
        if limit:
            hard = resource.getrlimit(resource.RLIMIT_AS)[1]
            if hard != resource.RLIM_INFINITY:  # a limit set from outside (a test, a container) stands
                limit = min(limit, hard)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        try:
            conn.send(("ok", fn(*args)))
        except Refused as exc:
            conn.send(("refused", (exc.code, exc.params)))
        except BaseException as exc:  # a Rust panic is a BaseException; all become the parent's message
            conn.send(("error", failure(exc)))
    finally:
        conn.close()
        os._exit(0)  # no atexit handlers, no flushing of the parent's buffers twice


def isolated(fn: Callable[..., T], *args: Any, size: int = 0) -> T:
    """`fn(*args)` in a forked child with a memory limit; raises ReaderFailed or ReaderCrashed."""
    return start_isolated(fn, *args, size=size).result()


class Pending(Generic[T]):
    """`fn(*args)` started in a forked child (see `start_isolated`); its value is `result()`. Where fork is
    missing, it runs in process when the result is asked for."""

    def __init__(self, fn: Callable[..., T], args: tuple[Any, ...], size: int):
        self.fn, self.args = fn, args
        self.process: Any = None
        if not can_isolate():
            return
        limit = _address_space() + min(BASE_BUDGET + 64 * size, MAX_BUDGET) if os.name == "posix" else 0
        ctx = multiprocessing.get_context("fork")
        self.receive, send = ctx.Pipe(duplex=False)
        with warnings.catch_warnings():  # Python 3.12 warns about fork with threads (a progress bar's): the
            warnings.simplefilter("ignore", DeprecationWarning)  # child only reads and exits
            self.process = ctx.Process(target=_child, args=(send, fn, args, limit), daemon=True)
            self.process.start()
        send.close()

    def run_here(self) -> T:
        """The call in this process, behind the checks the caller made first."""
        try:
            return self.fn(*self.args)
        except Refused:
            raise
        except Exception as exc:
            raise ReaderFailed(failure(exc)) from exc

    def stop(self) -> None:
        """The child's work is not wanted after all."""
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.receive.close()

    def result(self) -> T:
        """The child's value once it is done; raises ReaderFailed, ReaderCrashed or Refused as it did."""
        if self.process is None:
            return self.run_here()
        try:
            status, value = self.receive.recv()
        except EOFError:
            self.process.join()
            raise ReaderCrashed(self.process.exitcode) from None
        finally:
            self.receive.close()
        self.process.join()
        if status == "refused":
            raise Refused(value[0], **value[1])
        if status == "error":
            raise ReaderFailed(value)
        return value


def start_isolated(fn: Callable[..., T], *args: Any, size: int = 0) -> Pending[T]:
    """`fn(*args)` started in a forked child with a memory limit, while this process goes on."""
    return Pending(fn, args, size)
