"""A throwaway PostgreSQL cluster for tests: real server, temp directory, trust auth.

``initdb`` refuses to run as root, so when the tests run as root the cluster
belongs to the ``postgres`` user: its directory lives under /tmp (which that
user can traverse) and initdb and the server run with that user's id.
The server is a child of the process (and thread) that starts it, and dies
with it.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg2
from psycopg2 import sql
from sqlalchemy.engine import make_url

DEBIAN_BINDIR = Path("/usr/lib/postgresql/15/bin")
START_TIMEOUT_SECONDS = 30
ADMIN_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL binaries are missing or the cluster would not start."""


def find_bindir() -> Path | None:
    """Where initdb and postgres live: PostgreSQL 15's Debian directory, else ``pg_config --bindir``."""
    if (DEBIAN_BINDIR / "initdb").is_file():
        return DEBIAN_BINDIR
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    completed = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
    bindir = Path(completed.stdout.strip())
    return bindir if completed.returncode == 0 and (bindir / "initdb").is_file() else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _DatabaseAdmin:
    """Creating and dropping databases and schemas through an administrator connection."""

    maintenance_db = "postgres"
    """The database to connect to for creating and dropping others."""

    def url(self, dbname: str = "postgres") -> str:
        raise NotImplementedError

    def _connect(self, dbname: str) -> Any:
        raise NotImplementedError

    def _execute(self, dbname: str, statement: sql.Composable, params: tuple[object, ...] = ()) -> None:
        connection = self._connect(dbname)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
        finally:
            connection.close()

    def create_database(self, name: str) -> str:
        """Create an empty database and return its URL."""
        connection = self._connect(self.maintenance_db)
        try:
            connection.autocommit = True
            # Copying the files of the pristine template0 is faster than PostgreSQL 15's
            # default of logging every page of template1 through the WAL.
            statement = "CREATE DATABASE {} TEMPLATE template0"
            if connection.server_version >= 150000:
                statement += " STRATEGY = FILE_COPY"
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL(statement).format(sql.Identifier(name)))
        finally:
            connection.close()
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, cutting any connections a test left open."""
        self._execute(self.maintenance_db, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def create_schema(self, dbname: str, schema: str) -> str:
        """Create an empty schema and return a URL whose connections see only it.

        A schema takes milliseconds where a database takes a few hundred, so
        per-test isolation is cheap. The URL sets ``search_path`` to the schema
        and tags its connections with ``application_name`` so that
        :meth:`drop_schema` can find the ones a test left open.
        """
        self._execute(dbname, sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        url = make_url(self.url(dbname)).update_query_dict({"options": f"-csearch_path={schema}", "application_name": schema})
        return url.render_as_string(hide_password=False)

    def drop_schema(self, dbname: str, schema: str) -> None:
        """Drop a schema made by :meth:`create_schema`, after closing connections still using it."""
        self._execute(
            dbname,
            sql.SQL(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = %s AND pid <> pg_backend_pid()"
            ),
            (schema,),
        )
        self._execute(dbname, sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


class PostgresServer(_DatabaseAdmin):
    """One PostgreSQL cluster on 127.0.0.1, for the length of a test session (or one test).

    ``start()`` creates the cluster the first time and starts it; ``stop()``
    shuts it down fast (as an outage would) and ``start()`` brings it back on
    the same port with the same data. ``cleanup()`` stops it and deletes
    everything. The server is this process's child, so it is stopped by its pid.
    """

    def __init__(self, bindir: Path | None = None) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise PostgresUnavailable(
                f"PostgreSQL server binaries not found in {DEBIAN_BINDIR} or via pg_config; install postgresql-15"
            )
        self.bindir = found
        self.port = _free_port()
        self._run_as = self._cluster_owner()
        # Not pytest's temp dirs: as root they are closed to the postgres user, and a
        # deep path would overflow the unix socket's 107-byte limit.
        self.base_dir = Path(tempfile.mkdtemp(prefix="jobconsole-pg-", dir="/tmp"))
        # If the test run dies before its fixtures finish, the server still goes.
        atexit.register(self.cleanup)
        self.data_dir = self.base_dir / "data"
        self.log_file = self.base_dir / "server.log"
        if self._run_as is not None:
            os.chown(self.base_dir, self._run_as.pw_uid, self._run_as.pw_gid)
        self._initialized = False
        self._process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def _cluster_owner() -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam("postgres")
        except KeyError as error:
            raise PostgresUnavailable("running as root and there is no postgres user to own the test cluster") from error

    def _user_options(self) -> dict[str, Any]:
        if self._run_as is None:
            return {}
        return {"user": self._run_as.pw_uid, "group": self._run_as.pw_gid, "extra_groups": []}

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            cwd=self.base_dir,
            capture_output=True,
            text=True,
            check=False,
            **self._user_options(),
        )
        if completed.returncode != 0:
            raise PostgresUnavailable(
                f"{args[0]} failed with exit code {completed.returncode}: {completed.stderr.strip()}{self._log_tail()}"
            )
        return completed

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(errors="replace").splitlines()[-15:]
        except OSError:
            return ""
        return "\nserver log:\n" + "\n".join(lines) if lines else ""

    def _initdb(self) -> None:
        self._run("initdb", "-D", str(self.data_dir), "-U", ADMIN_USER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.base_dir}'",
            # Durability is pointless for a throwaway cluster and costs seconds per test run.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# jobconsole test cluster\n")
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        self._initialized = True

    def start(self) -> None:
        """Start the server and return once it accepts connections (or raise, by a deadline)."""
        if self._process is not None:
            return
        if not self._initialized:
            self._initdb()
        command = [str(self.bindir / "postgres"), "-D", str(self.data_dir)]
        if shutil.which("setpriv"):
            # If the test run is killed outright, the server goes with it instead of lingering.
            command = ["setpriv", "--pdeathsig", "QUIT", "--", *command]
        with self.log_file.open("ab") as log:
            self._process = subprocess.Popen(
                command, cwd=self.base_dir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, **self._user_options()
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            if self._process.poll() is not None:
                self._process = None
                raise PostgresUnavailable(f"postgres exited at start{self._log_tail()}")
            try:
                self._connect("postgres").close()
                return
            except psycopg2.OperationalError as error:
                if time.monotonic() > deadline:
                    self._shut_down(signal.SIGQUIT)
                    raise PostgresUnavailable(f"postgres not ready after {START_TIMEOUT_SECONDS} s: {error}{self._log_tail()}") from error
            time.sleep(0.05)

    def _shut_down(self, how: signal.Signals) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(how)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    @property
    def running(self) -> bool:
        return self._process is not None

    def stop(self) -> None:
        """Fast shutdown (SIGINT): open connections are cut, as in a real outage."""
        self._shut_down(signal.SIGINT)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg2://{ADMIN_USER}@127.0.0.1:{self.port}/{dbname}"

    def _connect(self, dbname: str) -> Any:
        return psycopg2.connect(host="127.0.0.1", port=self.port, user=ADMIN_USER, dbname=dbname, connect_timeout=5)

    def cleanup(self) -> None:
        """Stop the server (immediate shutdown: nothing here needs saving) and delete its files."""
        self._shut_down(signal.SIGQUIT)
        shutil.rmtree(self.base_dir, ignore_errors=True)
        atexit.unregister(self.cleanup)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()


class ExternalPostgres(_DatabaseAdmin):
    """A PostgreSQL server someone else runs (``JOBCONSOLE_TEST_POSTGRES_URL``), with the same helpers.

    The URL must name a user allowed to create databases; the suite makes its
    own databases on that server and drops them afterwards.
    """

    def __init__(self, admin_url: str) -> None:
        self._admin_url = make_url(admin_url)
        self.maintenance_db = self._admin_url.database or "postgres"

    def url(self, dbname: str = "postgres") -> str:
        return self._admin_url.set(database=dbname).render_as_string(hide_password=False)

    def _connect(self, dbname: str) -> Any:
        url = self._admin_url
        return psycopg2.connect(
            host=url.host, port=url.port, user=url.username, password=url.password, dbname=dbname, connect_timeout=5
        )
