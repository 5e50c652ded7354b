"""Two reader processes for one large workbook (issue 16 point 6: two cores, reading and
validation overlapped).

`ReaderPair.start(load, share)` forks a reader that caps its own address space (RLIMIT_AS: what
it inherited plus what the worker's resident memory leaves of INGEST_MEMORY_BUDGET_MB, the
process-level last guard of issue 16 point 1) and calls `load()` — the calamine read, which
holds the GIL and cannot share a process with anything else. The caller, meanwhile, measures
the workbook. Once loaded, the reader forks a second one (which shares the loaded sheet
copy-on-write) and each calls `share(loaded, index, send)` for its half of the work, sending
messages to the caller through its own pipe.

The caller reads them with `recv(index)`. What a reader could not do arrives as an exception:
`ReaderFailed` (it raised: the caller does the work itself, which reports the problem the way
it always does), `ReaderOutOfMemory` (a MemoryError, or the reader killed by the cap or the
kernel: the file needs more memory than the budget allows).

The readers never touch the database or a socket they inherited, never log, and leave by
`os._exit` (no atexit handler, no finaliser of an inherited connection runs in them).
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import resource
import signal
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection, Pipe
from typing import Any

Send = Callable[[Any], None]
FAILED = "failed"
OUT_OF_MEMORY = "out_of_memory"


class ReaderFailed(Exception):
    """A reader raised; the message carries its traceback."""


class ReaderOutOfMemory(Exception):
    """A reader ran out of the memory it may use."""


def _status_bytes(field: str) -> int:
    """A size from /proc/self/status (VmSize: address space, VmRSS: resident), in bytes."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0


def _cap_memory(budget_bytes: int) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _status_bytes("VmSize:") + budget_bytes
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _run(conn: Connection, work: Callable[[], None]) -> None:
    """Run `work` in a reader and leave the process, whatever happens."""
    code = 0
    try:
        work()
    except MemoryError:
        with contextlib.suppress(BaseException):
            conn.send((OUT_OF_MEMORY,))
        code = 3
    except BaseException:
        with contextlib.suppress(BaseException):
            conn.send((FAILED, traceback.format_exc(limit=20)))
        code = 1
    finally:
        with contextlib.suppress(BaseException):
            conn.close()
        os._exit(code)


class ReaderPair:
    def __init__(self, pid: int, conns: list[Connection]) -> None:
        self.pid = pid  # the first reader, leader of the readers' process group
        self._conns = conns
        self._stopped = False

    @classmethod
    def start(
        cls,
        load: Callable[[], Any],
        share: Callable[[Any, int, Send], None],
        *,
        budget_bytes: int,
    ) -> ReaderPair:
        # what the worker holds already counts against the budget (a quarter at least is left)
        room = max(budget_bytes - _status_bytes("VmRSS:"), budget_bytes // 4)
        receivers, senders = zip(*(Pipe(duplex=False) for _n in range(2)), strict=True)
        pid = os.fork()
        if pid == 0:  # the first reader
            for receiver in receivers:
                receiver.close()

            def first() -> None:
                os.setpgid(0, 0)  # one group: the caller stops both readers with one signal
                # a reader stopped by its cap (abort) is expected, and told as too large: no
                # inherited faulthandler dumps its stack into the worker's log for it
                faulthandler.disable()
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                _cap_memory(room)
                loaded = load()
                second = os.fork()
                if second == 0:
                    senders[0].close()
                    _run(senders[1], lambda: share(loaded, 1, senders[1].send))
                senders[1].close()
                share(loaded, 0, senders[0].send)
                os.waitpid(second, 0)

            _run(senders[0], first)
        for sender in senders:
            sender.close()
        with contextlib.suppress(OSError):  # (also set by the reader: whichever runs first)
            os.setpgid(pid, pid)
        return cls(pid, list(receivers))

    def recv(self, index: int) -> Any:
        """The next message of reader `index`; raises what the reader could not do."""
        try:
            message = self._conns[index].recv()
        except EOFError:
            # gone without a word: killed (the address-space cap makes a native allocation
            # abort; the kernel's OOM killer sends SIGKILL) before it could say why
            self.stop()
            raise ReaderOutOfMemory from None
        if message[0] == OUT_OF_MEMORY:
            self.stop()
            raise ReaderOutOfMemory
        if message[0] == FAILED:
            self.stop()
            raise ReaderFailed(message[1])
        return message

    def stop(self) -> None:
        """Stop both readers (if still running) and reap the first."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        for conn in self._conns:
            conn.close()

    def finish(self) -> None:
        """Wait for readers that sent everything to leave."""
        if self._stopped:
            return
        self._stopped = True
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        for conn in self._conns:
            conn.close()
