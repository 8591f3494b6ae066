"""A throw-away PostgreSQL cluster from the server's own programs (initdb, pg_ctl), in a
folder of its own on a free port, archiving its WAL with deploy/archive-wal. Used by the
PITR drill (tests/deploy/test_pitr_drill.py) and bench/pitr.py.

As root, the server programs run as `postgres` (runuser) and the folder is theirs: the
server refuses to run as root.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AS_ROOT = os.geteuid() == 0
SERVER_USER = "postgres"


def server_bin() -> Path | None:
    """The newest PostgreSQL server's programs that have both initdb and pg_ctl."""
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def missing_prerequisites() -> list[str]:
    """What this machine lacks for a throw-away cluster, in words (empty when nothing)."""
    missing = []
    if server_bin() is None:
        missing.append("PostgreSQL's server programs (/usr/lib/postgresql/*/bin/initdb, pg_ctl)")
    for program in ("psql", "pg_basebackup", "tar"):
        if not shutil.which(program):
            missing.append(f"{program} (apt-get install postgresql-client)")
    if AS_ROOT and not shutil.which("runuser"):
        missing.append("runuser, to run the server as postgres rather than root")
    return missing


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_server(command: list, timeout: float = 120, **options) -> subprocess.CompletedProcess:
    """A server program as the user the server runs as."""
    prefix = ["runuser", "-u", SERVER_USER, "--"] if AS_ROOT else []
    return subprocess.run(  # noqa: S603 - PostgreSQL's programs, our arguments
        [*prefix, *map(str, command)], capture_output=True, text=True, timeout=timeout, **options
    )


def throwaway_folder(prefix: str) -> Path:
    """Not under pytest's tmp_path (mode 0700, root's): the server's user must reach it."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if AS_ROOT:
        shutil.chown(folder, SERVER_USER, SERVER_USER)
    return folder


def archive_wal_for(folder: Path) -> Path:
    """deploy/archive-wal where the server's user can run it: in place when it can reach
    the repository, else the same file copied next to the cluster."""
    script = ROOT / "deploy" / "archive-wal"
    if as_server(["test", "-x", script]).returncode == 0:
        return script
    copy = folder / "archive-wal"
    shutil.copy2(script, copy)
    if AS_ROOT:
        shutil.chown(copy, SERVER_USER, SERVER_USER)
    return copy


def run_deploy(script: str, *args, env_file: Path) -> subprocess.CompletedProcess:
    """deploy/backup or deploy/restore, with only the environment file's variables."""
    return subprocess.run(  # noqa: S603 - our own scripts
        [str(ROOT / "deploy" / script), *map(str, args), "--env-file", str(env_file)],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "FENGQIAO_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=3600,
    )


class Cluster:
    def __init__(self, bin: Path, data: Path, sockets: Path):
        self.bin, self.data, self.sockets = bin, data, sockets
        self.port = free_port()
        self.log = data.parent / f"{data.name}.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def init(self, archive: Path, segment_mb: int = 16) -> None:
        """initdb, and WAL archiving as README "Backups" sets it up (fsync off: this
        cluster is thrown away)."""
        done = as_server(
            [self.bin / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust"]
            + [f"--wal-segsize={segment_mb}", "--no-sync", "--no-instructions"]
        )
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr}")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                "fsync = off\n"
                "archive_mode = on\n"
                f"archive_command = '{archive_wal_for(self.data.parent)} %p %f {archive}'\n"
            )

    def start(self, timeout: int = 60) -> subprocess.CompletedProcess:
        return as_server(
            [self.bin / "pg_ctl", "start", "-w", "-t", timeout, "-D", self.data, "-l", self.log]
            + ["-o", f"-p {self.port} -k {self.sockets}"],
            timeout=timeout + 30,
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            as_server([self.bin / "pg_ctl", "stop", "-w", "-m", "fast", "-D", self.data])

    def running(self) -> bool:
        return as_server([self.bin / "pg_ctl", "status", "-D", self.data]).returncode == 0

    def sql(self, statement: str) -> str:
        done = subprocess.run(  # noqa: S603 - psql from PATH, our own statements
            [shutil.which("psql"), self.url, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", statement],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if done.returncode:
            raise RuntimeError(f"{statement}: {done.stderr}\n{self.log_tail()}")
        return done.stdout.strip()

    def log_tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else ""
