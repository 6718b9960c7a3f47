"""Writing while checking, on PostgreSQL: pass 2 in a process of its own, fed by pass 1.

Pass 1 is the loader's own work in Python, while the database waits; pass 2 is Python's work
and the server's (inserting, indexing, checking constraints), each waiting on the other. With
`load_fixtures` on PostgreSQL they go at once, on two cores: each record pass 1 finds valid, as
long as it has found no problem at all, goes (as pass 1 pickled it for its spill) to a writer
process, which writes it in a transaction on a connection of its own. That transaction commits
only when pass 1 has ended without a problem; on any problem it is rolled back, so nothing is
half-written. The checks that read the database (references, unique values, the citations
resting on a source's text) read it on the loader's own connection, outside the writer's
transaction: they see the database as it was before the load, exactly as in two passes. (A
thread would not do: both passes are mostly Python, and a thread holds the same lock on it.)

If the writer fails (the database refuses a row that pass 1 would have refused with a clearer
message, say, or too many records wait for references that come later), it rolls back, pass 1
goes on, and the load is written in two passes as before, or refused with pass 1's messages.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import sys
from collections.abc import Iterator

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from dashboard.loading.reading import FixtureFile
from dashboard.loading.schema import Record, model_specs
from dashboard.loading.writing import BATCH, _BatchWrite, _reason

# Records handed over at a time.
HANDOVER = 500
# Records the writer may hold waiting for references still to come (files out of dependency
# order) before it gives way to two passes, whose spill keeps them on disk instead.
WAITING_LIMIT = 20 * BATCH

# Seconds a writer has to roll back and end once the pipe closes, before it is stopped.
STOP_SECONDS = 60
# The longest failure message sent back: a longer one could fill the pipe.
MESSAGE_MAX = 2000

_RECORDS, _FINISH = b"R", b"F"


def streaming_possible(*, dry_run: bool) -> bool:
    """Whether a load can write while it checks: on PostgreSQL, outside any transaction (a
    caller's transaction would neither see the writer's rows nor roll them back)."""
    connection = connections[DEFAULT_DB_ALIAS]
    return not dry_run and connection.vendor == "postgresql" and not connection.in_atomic_block


class StreamWriter:
    """Pass 2 in a process: `add()` each record as pass 1 accepts it, then `finish()` (commit
    and get the counts) or `abandon()` (roll back). The writer commits only on the loader's
    word: if the loader stops, is interrupted or dies, the pipe closes and it rolls back."""

    def __init__(self, *, files: list[FixtureFile], with_changes: bool):
        # The writer makes its own connection; the loader's reconnects when next used. Output
        # still buffered would be written twice, by each process.
        connections.close_all()
        sys.stdout.flush()
        sys.stderr.flush()
        context = multiprocessing.get_context("fork")
        self._pipe, theirs = context.Pipe()
        self._process = context.Process(
            target=_writer_run,
            args=(theirs, self._pipe, with_changes, _reason(files)),
            name="load_fixtures writer",
            daemon=True,
        )
        self._process.start()
        theirs.close()
        self._pending: list[bytes] = []
        self.error: str | None = None  # why the writer gave way, if it did

    @property
    def failed(self) -> bool:
        return self.error is not None

    def add(self, record: bytes) -> None:
        """One record, pickled as the spill keeps it."""
        if not self.failed:
            self._pending.append(record)
            if len(self._pending) >= HANDOVER:
                self._hand_over()

    def finish(self):
        """Write what is left and commit: the (counts, changes), or None if the writer gave
        way (then `error` says why, and it wrote nothing)."""
        self._hand_over()
        outcome = None
        try:
            if not self.failed:
                self._pipe.send_bytes(_FINISH)
                status, value = self._pipe.recv()
                if status == "failed":
                    self.error = value
                else:
                    outcome = value
        except (OSError, EOFError) as error:
            self.error = f"the writer process stopped ({error or type(error).__name__})"
        finally:
            self._end()
        return outcome

    def abandon(self) -> None:
        """Roll everything back: pass 1 found a problem, or was interrupted."""
        self._pending = []
        self._end()

    def _hand_over(self) -> None:
        try:
            if self._pipe.poll():  # the writer only ever speaks early to say it failed
                _, self.error = self._pipe.recv()
            if self._pending and not self.failed:
                payload = pickle.dumps(self._pending, pickle.HIGHEST_PROTOCOL)
                self._pipe.send_bytes(_RECORDS + payload)
        except (OSError, EOFError) as error:
            self.error = f"the writer process stopped ({error or type(error).__name__})"
        self._pending = []

    def _end(self) -> None:
        """Close the pipe, which tells a writer not told to finish to roll back; wait for it."""
        self._pipe.close()
        self._process.join(timeout=STOP_SECONDS)
        if self._process.is_alive():
            self._process.terminate()  # its connection drops, and the server rolls back
            self._process.join()


def _writer_run(pipe, loaders_end, with_changes: bool, reason: str) -> None:
    """The writer process: write what arrives until told to finish (commit), or roll back
    when the pipe closes first. It reports "done" after committing, "failed" otherwise, and
    nothing when the loader has gone."""
    loaders_end.close()  # forked with it: kept open here, the loader's closing would go unseen
    try:
        outcome = _records_write(pipe, with_changes=with_changes, reason=reason)
    except (_Abandoned, OSError, KeyboardInterrupt):
        pass  # rolled back: the loader stopped, or went away
    except BaseException as error:  # noqa: BLE001 - the loader falls back to two passes
        _tell(pipe, ("failed", f"{type(error).__name__}: {error}"[:MESSAGE_MAX]))
        _discard(pipe)
    else:
        _tell(pipe, ("done", outcome))
    finally:
        connections.close_all()
        pipe.close()


def _records_write(pipe, *, with_changes: bool, reason: str):
    with transaction.atomic():
        writer = _BatchWrite(
            dry_run=False, with_changes=with_changes, progress=None, reason=reason
        )
        return writer.write_all(_batches(pipe, writer))


def _batches(pipe, writer: _BatchWrite) -> Iterator[Iterator[Record]]:
    """The records the loader hands over, a hand-over at a time, until it says finish."""
    while (message := _receive(pipe))[:1] == _RECORDS:
        yield _records(message[1:])
        if writer.waiting_count() > WAITING_LIMIT:
            raise _GivingWay(f"more than {WAITING_LIMIT} records wait for others")


def _receive(pipe) -> bytes:
    try:
        return pipe.recv_bytes()
    except EOFError:
        raise _Abandoned from None


def _tell(pipe, message) -> None:
    with contextlib.suppress(OSError):  # the loader has gone
        pipe.send(message)


def _discard(pipe) -> None:
    """After a failure, take what the loader still sends, until it closes the pipe."""
    try:
        while True:
            pipe.recv_bytes()
    except (EOFError, OSError):
        pass


def _records(payload: bytes) -> Iterator[Record]:
    specs = list(model_specs().values())
    for data in pickle.loads(payload):
        rank, key, values, references, links = pickle.loads(data)
        yield Record(specs[rank], key, values, references, links)


class _Abandoned(Exception):
    pass


class _GivingWay(Exception):
    pass
