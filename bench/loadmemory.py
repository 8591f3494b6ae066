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
NOT_JUDGED = {"moto": "test double: keeps every stored export in memory", "driver": "this script"}


def _groups() -> dict[int, list[tuple[int, int]]]:
    """{process group: [(pid, rss kB)]} for every process of this user we can read."""
    found: dict[int, list[tuple[int, int]]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:  # gone meanwhile
            continue
        pgid = int(stat.rsplit(")", 1)[1].split()[2])
        rss = next((line.split()[1] for line in status.splitlines() if line[:6] == "VmRSS:"), 0)
        found.setdefault(pgid, []).append((int(entry.name), int(rss)))
    return found


@dataclass(eq=False)
class Sampler(threading.Thread):
    """Samples the groups led by ``leaders`` ({name: pid}) and this process."""

    leaders: dict[str, int]
    every: float
    stop: threading.Event
    samples: dict = field(default_factory=dict)  # name -> [(seconds, MB, processes)]
    pids: dict = field(default_factory=dict)  # name -> every pid seen
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self):
        super().__init__(daemon=True, name="memory-sampler")

    def sample(self) -> None:
        groups = _groups()
        at = time.monotonic() - self.started
        me = os.getpid()
        own = [(pid, rss) for members in groups.values() for pid, rss in members if pid == me]
        for name, leader in [*self.leaders.items(), ("driver", None)]:
            members = own if leader is None else groups.get(leader, [])
            self.pids.setdefault(name, set()).update(pid for pid, _ in members)
            rss_mb = sum(rss for _, rss in members) / 1024
            self.samples.setdefault(name, []).append((at, rss_mb, len(members)))

    def run(self):
        while True:
            self.sample()
            if self.stop.wait(self.every):
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
