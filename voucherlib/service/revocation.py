"""The environment's CRLs, re-read while the library runs, so a revocation needs no restart.

`guoku env revoke` writes the next CRL file and rewrites the environment's manifest. `CrlWatch`
looks at those files (a few `stat` calls) at most every `interval` seconds and, when one changed,
re-reads the environment and keeps its new CRLs and revocation list; the parties, keys and seals
stay as loaded. Callers get one consistent `Revocations` snapshot; a new one is made only by a
reload, so answers cached per certificate can be keyed by it. A reload that fails (a file
half-written by hand) keeps the old CRLs and is tried again at the next look.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from evoucher.pki import Environment, load_environment
from evoucher.pki.environment import MANIFEST, read_manifest
from evoucher.seal import certs

log = logging.getLogger("voucherlib.service")
Stamp = tuple[tuple[str, int, int, int], ...]  # (path, inode, size, mtime in ns) per file


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per reading
class Revocations:
    """One reading of the environment's CRLs."""

    env: Environment  # the environment as loaded, with these CRLs and revocations
    crls: tuple[certs.Crl, ...]  # the same CRLs parsed for certificate checks, newest first

    @classmethod
    def of(cls, env: Environment) -> Revocations:
        # newest first: check_revocation takes the latest thisUpdate, and of two CRLs issued in
        # one second (revocations in quick succession) the first it meets
        return cls(env, tuple(certs.load_crl(der) for der in reversed(env.crls)))


def _stamp(paths: list[Path]) -> Stamp:
    found = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            found.append((str(path), 0, -1, 0))
            continue
        found.append((str(path), st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(found)


class CrlWatch:
    """The current environment, with CRLs no older than `interval` seconds (0: looked at every call)."""

    def __init__(
        self, env: Environment, *, interval: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.interval, self._clock = interval, clock
        self._lock = threading.Lock()
        self._snapshot = Revocations.of(env)
        self._paths = self._files(env.root)
        self._seen = _stamp(self._paths)
        self._looked = clock()

    @staticmethod
    def _files(root: Path) -> list[Path]:
        """The manifest and the CRL files it lists: what `guoku env revoke` writes."""
        return [root / MANIFEST, *(root / path for path in read_manifest(root)["ca"]["crls"])]

    def current(self) -> Revocations:
        """The latest reading; re-reads the CRLs first if the files changed since the last look."""
        if self._clock() - self._looked >= self.interval:
            with self._lock:
                if self._clock() - self._looked >= self.interval:
                    self._look()
        return self._snapshot

    def _look(self) -> None:
        """Re-read if the files changed; the time is noted last, so callers arriving meanwhile
        wait for the lock and get the new reading, not the old one."""
        try:
            self._reload()
        finally:
            self._looked = self._clock()

    def _reload(self) -> None:
        if _stamp(self._paths) == self._seen:
            return
        env = self._snapshot.env
        try:
            paths = self._files(env.root)
            seen = _stamp(paths)  # before reading: a change made while we read is seen next time
            fresh = load_environment(env.root)
            snapshot = Revocations.of(dataclasses.replace(env, crls=fresh.crls, revoked=fresh.revoked))
        except Exception as exc:  # a bad file must not take the library down
            log.warning("could not re-read the CRLs of %s (keeping the old ones): %s", env.root, exc)
            return
        self._paths, self._seen, self._snapshot = paths, seen, snapshot
        log.info("CRLs of %s re-read: %d CRLs, %d revoked", env.root, len(fresh.crls), len(fresh.revoked))
