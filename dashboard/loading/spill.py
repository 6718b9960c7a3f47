"""Records as pass 1 converted them, kept on disk for pass 2.

Pass 1 reads, converts and checks every record; writing them needs the same converted values
again. Reading and converting the files a second time took a fifth of a load, so pass 1 pickles
each record as it reads it, before any check could change its values, into a temporary file per
fixture file (deleted when closed): memory does not grow with the batch, and pass 2 writes
exactly what pass 1 checked.
"""

from __future__ import annotations

import pickle
import struct
import tempfile
from collections.abc import Iterator

from dashboard.loading.schema import Record, model_specs

BUFFER = 1 << 20
_SIZE = struct.Struct("<Q")


class RecordSpill:
    def __init__(self, files: int):
        self._files = [None] * files
        self._specs = list(model_specs().values())
        self.files = files

    def add(self, file_index: int, record: Record) -> None:
        """Keep the record."""
        stream = self._files[file_index]
        if stream is None:
            # Closed by close(), which the caller calls when pass 2 is done.
            stream = tempfile.TemporaryFile(buffering=BUFFER)  # noqa: SIM115
            self._files[file_index] = stream
        entry = (record.spec.rank, record.key, record.values, record.references, record.links)
        data = pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL)
        stream.write(_SIZE.pack(len(data)))
        stream.write(data)

    def records(self, file_index: int) -> Iterator[Record]:
        """The records of one file, in the order they were added."""
        stream = self._files[file_index]
        if stream is None:
            return
        stream.seek(0)
        # Each record is its own pickle, after its size: pickle.load() on the file would copy
        # the file's whole read buffer for every record.
        while header := stream.read(_SIZE.size):
            (size,) = _SIZE.unpack(header)
            rank, key, values, references, links = pickle.loads(stream.read(size))
            yield Record(self._specs[rank], key, values, references, links)

    def close(self) -> None:
        for stream in self._files:
            if stream is not None:
                stream.close()
        self._files = [None] * len(self._files)
