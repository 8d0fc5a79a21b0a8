"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder, a unix socket there.

The server refuses to run as root, so as root (CI, these machines) initdb and pg_ctl run as the
``postgres`` user. It listens on no TCP port at all, only on a socket in its own folder, so runs
on one machine never collide. ``.ci/run`` starts one the same way for the whole run.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest


@dataclass
class Cluster:
    folder: Path
    url: str
    as_user: list[str]
    pg_ctl: str
    #: The server's settings (pg_ctl -o): its socket folder among them.
    options: str = ""

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every connection is cut, and the server is back when this returns."""
        self._pg_ctl("-m", "fast", "restart")

    def pause(self) -> None:
        """Stop the server (``-m fast``), keeping its data for :meth:`resume`."""
        self._pg_ctl("-m", "fast", "stop")

    def resume(self) -> None:
        self._pg_ctl("-o", self.options, "start")

    def _pg_ctl(self, *args: str) -> None:
        data, log = str(self.folder / "data"), str(self.folder / "server.log")
        # The server's output goes to its log: a pipe it inherited would keep this call waiting.
        subprocess.run(
            [*self.as_user, self.pg_ctl, "-D", data, "-l", log, "-w", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
        )

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, self.pg_ctl, "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def start_cluster() -> Cluster | str:
    """A running cluster, or why none could be started (one line)."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        return "no initdb/pg_ctl on this machine (apt-get install postgresql)"
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="studybot-pg-"))
    if os.geteuid() == 0:
        try:
            postgres = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder)
            return "running as root and there is no postgres user to run the server as"
        os.chown(folder, postgres.pw_uid, postgres.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    options = f"-c listen_addresses='' -c unix_socket_directories={folder} -c fsync=off -c max_connections=200"
    steps = [
        [initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"],
        [
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(folder / "server.log"),
            "-w",
            "-o",
            options,
            "start",
        ],
    ]
    for step in steps:
        done = subprocess.run([*as_user, *step], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)
            last = (done.stderr or done.stdout).strip().splitlines()
            return f"{Path(step[0]).name} failed: {last[-1] if last else done.returncode}"
    return Cluster(folder, f"postgresql://postgres@/postgres?host={folder}", as_user, pg_ctl, options)


def started_or_skip(cluster: Cluster | str) -> Cluster:
    """The cluster :func:`start_cluster` started; else the test skips with the reason in one line
    (under ``CI=true`` it fails instead: CI always has PostgreSQL)."""
    if isinstance(cluster, str):
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI: {cluster}")
        pytest.skip(f"no PostgreSQL server: {cluster}")
    return cluster


def with_params(url: str, **params: str) -> str:
    """The URL with more query parameters (asyncpg passes unknown ones on as server settings)."""
    extra = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{url}{'&' if '?' in url else '?'}{extra}"


@asynccontextmanager
async def fresh_schema(server_url: str) -> AsyncIterator[str]:
    """A database URL whose tables live in a new schema of their own, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f"CREATE SCHEMA {schema}")
        yield with_params(server_url, search_path=schema)
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await admin.close()
