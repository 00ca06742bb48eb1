"""The apply journal: an append-only, fsync'd JSON-lines record of what ``vnetplan apply`` did.

Every change of a plan goes through ``intent`` (about to look at it), ``started`` (about to
write; the id of what will be written), ``lro`` (the long-running operation's status URL and the
etag Azure returned, as soon as Azure accepted the write), and one outcome: ``done`` (the live
resource now matches the plan, written by us), ``already`` (it matched before we wrote
anything), ``failed`` (with the reason). Ownership of resources that cannot carry tags (peerings,
DNS zone groups) is recorded as an ``owned`` record, so that a later plan may delete them.

The promise: each record is on disk (``fsync``) before the write it announces is sent and
after the outcome is known, so after a crash or ``kill -9`` at any point the journal tells
exactly which changes are done, which were in flight (and where to poll them), and which never
started. A torn last line (the process died mid-write) is ignored; any other unreadable line is
an input error. One apply at a time per journal (an exclusive ``flock``). The journal never holds
a token or a request header.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from netplan.errors import InputError, VnetplanError
from netplan.ids import rid_key

#: The events a change goes through, in order; the outcome events end a change's attempt.
EVENTS = ("intent", "started", "lro", "done", "already", "failed", "owned")
OUTCOMES = frozenset({"done", "already", "failed"})
FORMAT = "vnetplan-journal/1"


class JournalBusy(VnetplanError):
    """Another ``vnetplan apply`` holds the journal."""


@dataclass
class ChangeState:
    """What the journal knows about one change of one plan."""

    change_id: str
    last: str = ""
    #: the LRO status URL of the latest write, if Azure accepted one
    lro_url: str | None = None
    #: etags Azure returned for our writes of this change (to recognise our own edits on resume)
    written_etags: set[str] = field(default_factory=set)
    started: bool = False
    reason: str = ""
    #: the journal line that holds ``lro_url`` (named when the URL is refused)
    lro_line: int = 0
    #: proof that our own write created the resource: Azure accepted a create that was
    #: conditional on the resource's absence (``started`` with ``absent`` then ``lro``). A
    #: ``started`` record alone proves nothing: the run may have died before the PUT was sent.
    created_by_us: bool = False
    _absent: bool = False

    @property
    def finished(self) -> bool:
        return self.last in ("done", "already")


class Journal:
    """An open journal file. Thread-safe; each :meth:`record` is flushed and fsync'd."""

    def __init__(self, path: str | os.PathLike[str], plan_id: str) -> None:
        self.path = Path(path)
        self.plan_id = plan_id
        self._lock = threading.Lock()
        self.records: list[dict[str, Any]] = []
        self._fh: IO[str] | None = None
        # Indexes kept with the records, so that a 10,000-change plan is not quadratic.
        self._by_change: dict[str, list[dict[str, Any]]] = {}
        self._owned: set[str] = set()
        #: id(record) -> its 1-based line in the file (to name a line in an error)
        self._lines: dict[int, int] = {}
        self._nlines = 0

    def line_of(self, rec: dict[str, Any]) -> int:
        """The 1-based journal line of a record of this journal (0 when unknown)."""
        return self._lines.get(id(rec), 0)

    def _index(self, rec: dict[str, Any]) -> None:
        if rec.get("event") == "owned":
            self._owned.add(rid_key(str(rec.get("resource_id", ""))))
        elif rec.get("plan_id") == self.plan_id and rec.get("change") is not None:
            self._by_change.setdefault(str(rec["change"]), []).append(rec)

    def _set_records(self, numbered: list[tuple[int, dict[str, Any]]], nlines: int) -> None:
        self.records = [r for _, r in numbered]
        self._lines = {id(r): n for n, r in numbered}
        self._nlines = nlines
        self._by_change = {}
        self._owned = set()
        for r in self.records:
            self._index(r)

    # -- opening --------------------------------------------------------------------------------
    def open(self) -> Journal:
        """Read what is there, take the lock, and open for appending."""
        self._set_records(*read_journal_numbered(self.path))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open for the run
        except OSError as exc:
            raise InputError(str(self.path), "", f"cannot write the journal: {exc.strerror or exc}") from None
        try:
            import fcntl

            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise JournalBusy(f"{self.path}: another vnetplan apply is using this journal") from None
        except ImportError:  # pragma: no cover - not POSIX: no lock, still correct for one process
            pass
        # A torn last line (the writer died mid-record, before its fsync returned): cut it off,
        # so that it never becomes an unreadable line in the middle. The write it announced was
        # not sent (records are durable before their write) or its outcome is re-read anyway.
        with open(self.path, "rb") as raw:
            data = raw.read()
        if data and not data.endswith(b"\n"):
            fh.truncate(data.rfind(b"\n") + 1)
            fh.flush()
            os.fsync(fh.fileno())
        fh.seek(0, os.SEEK_END)
        self._fh = fh
        if not self.records:
            self._write({"event": "journal", "format": FORMAT, "plan_id": self.plan_id})
        return self

    def load(self) -> Journal:
        """Read what is there without locking or writing (a dry run only looks)."""
        self._set_records(*read_journal_numbered(self.path))
        return self

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> Journal:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------------------
    def record(self, event: str, change_id: str, **fields: Any) -> None:
        """Append one record for ``change_id`` of this plan and make it durable."""
        if event not in EVENTS:
            raise ValueError(f"unknown journal event {event!r}")
        self._write({"event": event, "plan_id": self.plan_id, "change": change_id, **fields})

    def _write(self, rec: dict[str, Any]) -> None:
        rec = {"ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **rec}
        line = json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            if self._fh is None:
                raise RuntimeError("journal is not open")
            self._fh.write(line)
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self.records.append(rec)
            self._nlines += 1
            self._lines[id(rec)] = self._nlines
            self._index(rec)

    # -- reading --------------------------------------------------------------------------------
    def state(self, change_id: str) -> ChangeState:
        """The journal's view of one change of this plan (empty when never seen)."""
        st = ChangeState(change_id)
        with self._lock:
            recs = list(self._by_change.get(change_id, ()))
        for r in recs:
            ev = str(r.get("event", ""))
            if ev == "owned":
                continue
            st.last = ev
            if ev == "started":
                st.started = True
                st.lro_url = None
                st._absent = bool(r.get("absent"))
            elif ev == "lro":
                if st._absent and int(r.get("status") or 0) < 300:
                    st.created_by_us = True
                if r.get("url"):
                    st.lro_url = str(r["url"])
                    st.lro_line = self.line_of(r)
                if r.get("etag"):
                    st.written_etags.add(str(r["etag"]))
            elif ev in ("done", "already") and r.get("etag"):
                st.written_etags.add(str(r["etag"]))
                st.lro_url = None
            elif ev == "failed":
                st.reason = str(r.get("reason", ""))
        return st

    def owns(self, resource_id: str) -> bool:
        """Whether any plan recorded in this journal created ``resource_id`` (any plan id)."""
        key = rid_key(resource_id)
        with self._lock:
            return key in self._owned


def read_journal(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The records of a journal file ([] when it does not exist). A torn last line is dropped."""
    return [r for _, r in read_journal_numbered(path)[0]]


def read_journal_numbered(path: str | os.PathLike[str]) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """(line number, record) for each record, and the number of complete lines.

    Refuses (:class:`InputError`) a path that is a directory, cannot be read, or holds anything
    but a vnetplan journal: a non-empty file must start with the journal's header record. Only a
    torn last line *after* that header is dropped.
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(str(p), "", "is a directory, not a journal file; give --journal a file path")
    if not p.exists():
        return [], 0
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(str(p), "", f"cannot read the journal: {exc.strerror or exc}") from None
    if not raw.strip():
        return [], 0
    text = raw.decode("utf-8", errors="replace")
    lines = text.split("\n")
    out: list[tuple[int, dict[str, Any]]] = []
    for n, line in enumerate(lines, 1):
        last = n == len(lines) or all(not x.strip() for x in lines[n:])
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            # Only the very last line of a real journal can be torn (the writer died mid-line).
            if last and out:
                continue
            rec = None
        if not out and not (isinstance(rec, dict) and rec.get("event") == "journal"):
            raise InputError(str(p), "line 1", "not a vnetplan journal (no header record); refusing to use or change it: "
                             "give --journal a new file or a journal written by vnetplan apply")  # fmt: skip
        if not isinstance(rec, dict):
            raise InputError(str(p), f"line {n}", "not a journal record (JSON object expected)")
        out.append((n, rec))
    if out[0][1].get("format") not in (None, FORMAT):
        raise InputError(str(p), "line 1", f"journal format {out[0][1].get('format')!r} is not {FORMAT!r}")
    # Lines that end in a newline: what the file holds once a torn last line is cut off.
    return out, text.count("\n")
