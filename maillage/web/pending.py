"""Web writes that met a busy store: kept on disk, written as soon as the store is free.

A load from the command line holds the SQLite store's write lock until it commits, minutes on
a département. A form, an outcome or an upload posted meanwhile is not refused and not lost: it
is written, whole, to a file of its own in the pending folder beside the store (mode 0600,
renamed into place so a crash never leaves half an entry), the page says so, and a background
thread writes the entries in the order they came once the store is free. An entry the store
then refuses (its row became invalid meanwhile) moves to ``refused/`` with the reason, still
kept, and the home page lists it.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

from ..errors import MaillageError, StoreBusy

__all__ = ["PendingWrites", "pending_folder"]

RETRY_EVERY = 2.0  # seconds between attempts while entries wait


def pending_folder(store_uri: str) -> Path:
    """Beside a SQLite store (``maillage.db.pending``); for a server, in the user's state folder."""
    if "://" not in store_uri:
        path = Path(store_uri)
        return path.with_name(path.name + ".pending")
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "maillage" / ("pending-" + hashlib.sha256(store_uri.encode()).hexdigest()[:16])


class PendingWrites:
    """The entries waiting for the store, and the thread that writes them."""

    def __init__(self, folder: Path, apply: Callable[[dict], object]):
        self.folder, self.apply = Path(folder), apply
        self._lock = threading.Lock()  # one writer of entries at a time (the thread, or a test)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._counter = 0

    def keep(self, entry: dict) -> str:
        """Write ``entry`` durably; return its name."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        with self._lock:
            self._counter += 1
            name = f"{entry['at'].replace(':', '')}-{os.getpid()}-{self._counter:06d}.json"
        temporary = self.folder / ("." + name)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(entry, handle, ensure_ascii=False, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.folder / name)
        return name

    def waiting(self) -> list[dict]:
        return [self._read(path) for path in self._files()]

    def refused(self) -> list[dict]:
        folder = self.folder / "refused"
        return [self._read(path) for path in sorted(folder.glob("*.json"))] if folder.is_dir() else []

    def retry(self) -> int:
        """Write what waits, oldest first; stop at the first entry the store is still too busy for.

        Returns how many entries were written (or refused, and moved aside)."""
        done = 0
        with self._lock:
            for path in self._files():
                entry = self._read(path)
                try:
                    self.apply(entry)
                except StoreBusy:
                    break
                except MaillageError as exc:  # kept with its reason, never dropped
                    entry["refused"] = str(exc)
                    refused = self.folder / "refused"
                    refused.mkdir(mode=0o700, exist_ok=True)
                    (refused / path.name).write_text(json.dumps(entry, ensure_ascii=False, sort_keys=True),
                                                     encoding="utf-8")
                path.unlink()
                done += 1
        return done

    def start(self) -> None:
        """Retry in the background every few seconds (and at once: entries of an earlier run)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="maillage-pending", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(RETRY_EVERY + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._files():
                    self.retry()
            except Exception:  # noqa: BLE001 — a bug must not stop the thread: the entry stays, it retries
                pass
            self._stop.wait(RETRY_EVERY)

    def _files(self) -> list[Path]:
        return sorted(self.folder.glob("[!.]*.json")) if self.folder.is_dir() else []

    @staticmethod
    def _read(path: Path) -> dict:
        return json.loads(path.read_text(encoding="utf-8"))
