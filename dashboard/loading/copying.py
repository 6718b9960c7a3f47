"""Writing new rows on PostgreSQL: COPY, sent from a thread of its own, ids taken beforehand.

COPY is the fastest way into PostgreSQL: no statement to parse or plan, no arrays to build. It
returns no ids, so each table's new ids are taken from its own sequence first, as INSERTs would
have taken them, and written with the rows.

In a load the server's share (inserting, indexing, checking constraints) is larger than the
loader's own, and the loader would wait for it batch after batch. So the loader formats each
COPY's data itself (psycopg's formatter, sending nothing) and hands it to a sender thread, which
sends it while the loader goes on to the next batch. Both use the load's one connection, so its
one transaction: psycopg lets one operation at a time use a connection, so a query of the
loader's waits for the COPY under way, and the loader calls `drain()` before a query that must
see rows it has sent. While the sender runs, Python switches threads every 0.2 ms instead of
5: otherwise the sender, back from each wait on the network, waits up to 5 ms for the loader's
thread to let it run, and the overlap is lost (measured: no gain at all).
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Sequence

from django.db import models
from psycopg.copy import Copy, Writer

# COPYs waiting to be sent at most: the loader waits rather than hold more in memory.
QUEUED = 4
SWITCH_INTERVAL = 0.0002


class CopySender:
    """Sends COPYs to PostgreSQL, in the order given, from a thread of its own."""

    def __init__(self, connection):
        connection.ensure_connection()
        # Foreign keys checked as each COPY ends, while the loader prepares the next, rather than
        # all at commit, when nothing else is left to do. Rows are sent after those they refer to.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self._connection = connection  # Django's: for quoting, formatting and its exceptions
        self._jobs: queue.Queue = queue.Queue(maxsize=QUEUED)
        self._error: BaseException | None = None
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        # psycopg's connection, which threads may share; Django's belongs to this thread.
        self._thread = threading.Thread(
            target=self._run, args=(connection.connection,), name="load_fixtures COPY", daemon=True
        )
        self._thread.start()

    def send(self, table: str, columns: Sequence[str], rows: list[Sequence]) -> None:
        """COPY the rows (values prepared already) into the table, soon."""
        self._raise_error()
        if not rows:
            return
        quote = self._connection.ops.quote_name
        statement = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
        self._jobs.put((statement, self._data(rows)))

    def drain(self) -> None:
        """Wait until every COPY sent so far is done; raise the error of one that failed."""
        self._jobs.join()
        self._raise_error()

    def close(self) -> None:
        """Send what is left and stop; raise the error of a COPY that failed."""
        self._stop()
        self._raise_error()

    def abandon(self) -> None:
        """Stop after an error in the loader's thread, sending nothing more. If a COPY failed
        first, raise its error: the other (a query refused in the aborted transaction, say)
        is a consequence of it."""
        if self._error is None:
            self._error = _Abandoned()  # the sender drops what is left
        self._stop()
        if not isinstance(self._error, _Abandoned):
            self._raise_error()

    def _stop(self) -> None:
        self._jobs.put(None)
        self._thread.join()
        sys.setswitchinterval(self._interval)

    def _data(self, rows: list[Sequence]) -> bytes:
        """The rows in COPY's text format, made by psycopg's own formatter, sending nothing."""
        captured = _Captured()
        with self._connection.wrap_database_errors, self._connection.cursor() as cursor:
            copy = Copy(cursor.cursor, binary=False, writer=captured)
            for row in rows:
                copy.write_row(row)
            copy.finish(None)
        return bytes(captured.data)

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            # As Django's own DatabaseError, which the loader's callers catch.
            with self._connection.wrap_database_errors:
                raise error

    def _run(self, connection) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                if self._error is None:  # after a failure the transaction is lost: drop the rest
                    statement, data = job
                    with connection.cursor() as cursor, cursor.copy(statement) as copy:
                        copy.write(data)
            except BaseException as error:  # noqa: BLE001 - raised in the loader's thread
                self._error = error
            finally:
                self._jobs.task_done()
        self._jobs.task_done()


class _Abandoned(Exception):
    """The loader stopped the sender."""


class _Captured(Writer):
    """Keeps what a COPY would send."""

    def __init__(self):
        self.data = bytearray()

    def write(self, data) -> None:
        self.data += data


class IdPool:
    """New ids for one table, from its own sequence.

    A table that was empty when the load began gets every record of its model as a new row, so
    its ids are taken up to BLOCK at a time, never more than its records need; other tables'
    batch by batch, as many as the batch creates.
    """

    BLOCK = 10_000

    def __init__(self, model: type[models.Model], *, unwritten: int | None):
        self.model = model
        self.unwritten = unwritten  # records still to write, when every one will be a new row
        self.ids: list[int] = []

    def take(self, connection, count: int) -> list[int]:
        if len(self.ids) < count:
            ahead = min(self.unwritten or 0, self.BLOCK)
            self.ids += ids_reserve(connection, self.model, max(count, ahead) - len(self.ids))
        taken, self.ids = self.ids[:count], self.ids[count:]
        if self.unwritten is not None:
            self.unwritten -= count
        return taken


def ids_reserve(connection, model: type[models.Model], count: int) -> list[int]:
    """`count` new ids from the table's sequence (Django's connection)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]
