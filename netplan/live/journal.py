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

    def _index(self, rec: dict[str, Any]) -> None:
        if rec.get("event") == "owned":
            self._owned.add(rid_key(str(rec.get("resource_id", ""))))
        elif rec.get("plan_id") == self.plan_id and rec.get("change") is not None:
            self._by_change.setdefault(str(rec["change"]), []).append(rec)

    def _set_records(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self._by_change = {}
        self._owned = set()
        for r in records:
            self._index(r)

    # -- opening --------------------------------------------------------------------------------
    def open(self) -> Journal:
        """Read what is there, take the lock, and open for appending."""
        self._set_records(read_journal(self.path))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - kept open for the run
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
        self._set_records(read_journal(self.path))
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
            elif ev == "lro":
                st.lro_url = r.get("url") or st.lro_url
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
    p = Path(path)
    if not p.exists():
        return []
    text = p.read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    out: list[dict[str, Any]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            # Only the very last line can be torn (the writer died mid-line): ignore it.
            if n == len(lines) or all(not x.strip() for x in lines[n:]):
                continue
            raise InputError(str(p), f"line {n}", "not a journal record (JSON object expected)") from None
        if not isinstance(rec, dict):
            raise InputError(str(p), f"line {n}", "not a journal record (JSON object expected)")
        out.append(rec)
    if out and out[0].get("event") == "journal" and out[0].get("format") not in (None, FORMAT):
        raise InputError(str(p), "line 1", f"journal format {out[0].get('format')!r} is not {FORMAT!r}")
    return out
