"""Memory of the stack's processes during bench/load.py: every ``every`` seconds the
resident memory (VmRSS of /proc/<pid>/status) of each process group the stack started
(a gunicorn master with its workers, a Celery worker with its pool, nginx with its
workers, ...), summed over the group, since the stack starts each program in a session
of its own. Then a table, and whether each stayed flat after the warm-up."""

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

# "Flat": from the warm-up mark to the end a group grows by no more than the larger of
# these (noise: allocator arenas, caches filling, a worker recycled at a bigger moment).
FLAT_MB, FLAT_SHARE = 20.0, 0.10
# Not judged: moto's S3 server is a test double that keeps every stored object (each
# export) in memory by design; the driver is this script itself.
NOT_JUDGED = {
    "moto": "test double: keeps every stored export in memory",
    "driver": "this script",
    "postgres": "a backend's RSS counts the shared buffers it has touched",
}


TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# Sample the CPU this often at least: a worker that exits between two samples takes the
# CPU it used since the last one with it.
CPU_EVERY = 5.0


def _groups(database: str = "") -> tuple[dict[int, list[tuple[int, int]]], dict[int, int]]:
    """{process group: [(pid, rss kB)]} for every process of this user we can read, and
    {pid: CPU ticks (user + system)} of every process, the PostgreSQL backends serving
    ``database`` under the group key -1 (kernel threads have 0)."""
    found: dict[int, list[tuple[int, int]]] = {}
    ticks: dict[int, int] = {}
    backend_title = f" {database} " if database else None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
            title = (entry / "cmdline").read_bytes() if backend_title else b""
        except OSError:  # gone meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()
        pid = int(entry.name)
        ticks[pid] = int(fields[11]) + int(fields[12])
        rss = next((line.split()[1] for line in status.splitlines() if line[:6] == "VmRSS:"), 0)
        pgid = -1 if backend_title and _serves(title, backend_title) else int(fields[2])
        found.setdefault(pgid, []).append((pid, int(rss)))
    return found, ticks


def _serves(title: bytes, backend_title: str) -> bool:
    # A backend's title reads "postgres: 15/main: USER DATABASE HOST(PORT) STATE".
    return title.startswith(b"postgres: ") and backend_title.encode() in title


@dataclass(eq=False)
class Sampler(threading.Thread):
    """Samples the groups led by ``leaders`` ({name: pid}) and this process."""

    leaders: dict[str, int]
    every: float
    stop: threading.Event
    database: str = ""  # also the PostgreSQL backends serving it, as "postgres"
    samples: dict = field(default_factory=dict)  # name -> [(seconds, MB, processes)]
    pids: dict = field(default_factory=dict)  # name -> every pid seen
    ticks: dict = field(default_factory=dict)  # name -> {pid: CPU ticks when last seen}
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self):
        super().__init__(daemon=True, name="memory-sampler")

    def sample(self, memory: bool = True) -> None:
        groups, ticks = _groups(self.database)
        at = time.monotonic() - self.started
        me = os.getpid()
        own = [(pid, rss) for members in groups.values() for pid, rss in members if pid == me]
        named = [*self.leaders.items(), ("driver", None)]
        if self.database:
            named.append(("postgres", -1))
        for name, leader in named:
            members = own if leader is None else groups.get(leader, [])
            self.pids.setdefault(name, set()).update(pid for pid, _ in members)
            seen = self.ticks.setdefault(name, {})
            seen.update((pid, ticks[pid]) for pid, _ in members)
            if memory:
                rss_mb = sum(rss for _, rss in members) / 1024
                self.samples.setdefault(name, []).append((at, rss_mb, len(members)))

    def cpu_seconds(self, name: str, since: dict[int, int] | None = None) -> float:
        """CPU the group used (the processes that lived before ``since`` counted from it)."""
        since = since or {}
        used = sum(t - since.get(pid, 0) for pid, t in self.ticks.get(name, {}).items())
        return used / TICKS_PER_SECOND

    def run(self):
        next_memory = 0.0
        while True:
            now = time.monotonic() - self.started
            self.sample(memory=now >= next_memory)
            if now >= next_memory:
                next_memory = now + self.every
            if self.stop.wait(min(self.every, CPU_EVERY)):
                self.sample()
                return


def judge(series: list[tuple[float, float, int]], mark: float) -> dict:
    """First, min, max, last, the value at the warm-up mark and the growth after it."""
    values = [mb for _, mb, _ in series]
    at_mark = next((mb for at, mb, _ in series if at >= mark), values[-1])
    growth = values[-1] - at_mark
    limit = max(FLAT_MB, FLAT_SHARE * at_mark)
    return {
        "first": values[0],
        "min": min(values),
        "max": max(values),
        "last": values[-1],
        "at_mark": at_mark,
        "growth": growth,
        "flat": growth <= limit,
        "processes": series[-1][2],
    }


def report(sampler: Sampler, mark: float, judged: bool) -> bool:
    """Print the memory table; True when every judged group stayed flat."""
    print(
        f"\nMemory (RSS of each process group, MB; sampled every {sampler.every:.0f} s, "
        f"{len(sampler.samples.get('driver', []))} samples; warm-up mark at {mark:.0f} s)"
    )
    header = (
        f"{'process':<18}{'procs':>6}{'pids seen':>10}{'first':>8}{'min':>8}{'max':>8}"
        f"{'at mark':>9}{'last':>8}{'growth':>9}  verdict"
    )
    print(header + "\n" + "-" * (len(header) + 10))
    all_flat = True
    for name, series in sampler.samples.items():
        figures = judge(series, mark)
        if name in NOT_JUDGED:
            verdict = f"not judged ({NOT_JUDGED[name]})"
        elif not judged:
            verdict = "-"
        else:
            verdict = "flat" if figures["flat"] else "GROWING"
            all_flat = all_flat and figures["flat"]
        print(
            f"{name:<18}{figures['processes']:>6}{len(sampler.pids[name]):>10}"
            f"{figures['first']:>8.1f}{figures['min']:>8.1f}{figures['max']:>8.1f}"
            f"{figures['at_mark']:>9.1f}{figures['last']:>8.1f}{figures['growth']:>+9.1f}  {verdict}"
        )
    print(
        f"flat = growth from the mark to the end at most {FLAT_MB:.0f} MB or "
        f"{FLAT_SHARE:.0%} of the value at the mark, whichever is larger. 'pids seen' above "
        "'procs' means workers were replaced (gunicorn's max_requests, Celery's pool)."
    )
    return all_flat


def cpu_report(sampler: Sampler, since: dict[str, dict[int, int]], requests: int, seconds: float):
    """Print the CPU each group used over the run, per request and as a share of one core."""
    print(
        f"\nCPU over the run ({requests} requests in {seconds:.0f} s; "
        f"sampled every {min(sampler.every, CPU_EVERY):.0f} s)"
    )
    header = f"{'process':<18}{'CPU s':>8}{'ms/request':>12}{'cores':>8}"
    print(header + "\n" + "-" * len(header))
    total = 0.0
    for name in sampler.ticks:
        used = sampler.cpu_seconds(name, since.get(name))
        if name != "driver":
            total += used
        print(
            f"{name:<18}{used:>8.1f}{1000 * used / max(requests, 1):>12.1f}{used / seconds:>8.2f}"
        )
    print(
        f"{'stack (no driver)':<18}{total:>8.1f}{1000 * total / max(requests, 1):>12.1f}{total / seconds:>8.2f}"
    )
