"""The ledger benchmark's filler: N demo-like cases loaded the way PostgreSQL likes it.

Every row is written by ``COPY … FROM STDIN`` in PostgreSQL's text format, one COPY per
table per chunk of cases, not through the services (so no audit entries either). The rows
are written as text by worker processes (``--jobs``, see ``fill_rows.py``) while this
process streams the finished chunks into the database, one transaction per chunk. Cases,
parties and sessions take ids reserved up front from their sequences, so child rows name
their parents without ``RETURNING``; the other tables take theirs from the column default.

When the tables are empty, or the fill adds more cases than are there, the secondary
indexes and the unique and foreign-key constraints of the filled tables are dropped first
and built again at the end, two at a time (their definitions wait in ``bench_fill_ddl``
meanwhile, so an interrupted fill restores them on the next run). A smaller fill keeps
them. Then ``VACUUM (ANALYZE)``, and ``rebuild_case_rollup`` when the project has it.
See bench/README.md.
"""

import datetime
import multiprocessing
import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from fill_rows import CHUNK, MAX_SESSIONS, Chunk, World, draw_plan, set_world, write_chunk

# ---------------------------------------------------------------------------
# Loading (the main process)
# ---------------------------------------------------------------------------

DDL_TABLE = "bench_fill_ddl"  # the dropped indexes and constraints, until they are back


def last_numbers() -> dict:
    """The highest sequence per (town, year) so far, from the cases and the counters."""
    from django.db.models import Max

    from cases.models import Case, CaseNumberCounter

    last = {}
    for row in (
        Case.objects.values("numbering_area", "number_year")
        .annotate(top=Max("number_sequence"))
        .order_by()
    ):
        last[(row["numbering_area"], row["number_year"])] = row["top"]
    for counter in CaseNumberCounter.objects.all():
        key = (counter.numbering_area_id, counter.year)
        last[key] = max(last.get(key, 0), counter.last_sequence)
    return last


def raise_counters(last: dict, before: dict) -> None:
    """Raise ``CaseNumberCounter`` to the chunk's numbers, as registrations would have."""
    from cases.models import CaseNumberCounter

    for (area_id, year), top in last.items():
        if before.get((area_id, year)) == top:
            continue
        counter, _ = CaseNumberCounter.objects.get_or_create(numbering_area_id=area_id, year=year)
        if counter.last_sequence < top:
            counter.last_sequence = top
            counter.save(update_fields=["last_sequence"])


def reserve_ids(cursor, table: str, count: int) -> int:
    """Take ``count`` ids from the table's sequence at once; returns the first."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cursor.fetchone()
    cursor.execute("SELECT nextval(%s)", [sequence])
    (first,) = cursor.fetchone()
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def chunks(world: World, plan, seed_text: str, firsts: dict, last: dict, slots):
    """The chunks in registration order, each with the numbers before it. Waits for a
    free slot before each, so no more than a few chunks are in memory at once."""
    ages, places = plan
    last = dict(last)
    town_of = [place.town_id for place in world.places]
    year_of = [(world.today - datetime.timedelta(days=age)).year for age in range(730)]
    for index, start in enumerate(range(0, len(ages), CHUNK)):
        part = slice(start, start + CHUNK)
        chunk = Chunk(
            index=index,
            seed=f"{seed_text}-{index}",
            ages=ages[part],
            places=places[part],
            last=dict(last),
            case_id=firsts["case"] + start,
            party_id=firsts["party"] + 2 * start,
            session_id=firsts["session"] + MAX_SESSIONS * start,
        )
        for (age, place), count in Counter(zip(chunk.ages, chunk.places, strict=True)).items():
            key = (town_of[place], year_of[age])
            last[key] = last.get(key, 0) + count
        slots.acquire()
        yield chunk


def load(world: World, data: dict, before: dict, last: dict) -> None:
    """One chunk: a COPY per table and the counters, in one transaction."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for name, table in world.tables.items():
            if name in data:
                with cursor.copy(table.copy_sql()) as copy:
                    copy.write(data[name])
        raise_counters(last, before)


def fill(world: World, missing: int, seed_text: str, jobs: int) -> None:
    """Add ``missing`` cases: the workers write the chunks, this process loads them."""
    from django.db import connection, connections

    set_world(world)
    plan = draw_plan(random.Random(seed_text), missing, len(world.places))
    firsts = {}
    with connection.cursor() as cursor:
        for name, per_case in (("case", 1), ("party", 2), ("session", MAX_SESSIONS)):
            firsts[name] = reserve_ids(cursor, world.tables[name].name, per_case * missing)
    slots = threading.Semaphore(max(jobs, 1) + 1)
    work = chunks(world, plan, seed_text, firsts, last_numbers(), slots)
    # The workers fork with the world; they must not share this process's connection.
    connections.close_all()
    pool = multiprocessing.get_context("fork").Pool(jobs) if jobs else None
    started, own_cpu, writers_cpu = time.perf_counter(), time.process_time(), children_cpu()
    done = 0
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            database_cpu = backend_cpu(cursor)
        for data, before, after in pool.imap(write_chunk, work) if pool else map(write_chunk, work):
            load(world, data, before, after)
            slots.release()
            done = min(done + CHUNK, missing)
            rate = done / (time.perf_counter() - started)
            print(f"  {done:>9,} / {missing:,} cases ({rate:,.0f} cases/s)", flush=True)
    finally:
        if pool:
            for _ in range(jobs + 1):
                slots.release()  # a chunk feeder waiting for a slot must see the end
            pool.terminate()
            pool.join()
    with connection.cursor() as cursor:
        database_cpu = backend_cpu(cursor) - database_cpu
        # The session ids reserved but not used go back.
        table = world.tables["session"].name
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
        )
    per = 1000 / missing
    writers_cpu = children_cpu() - writers_cpu
    own_cpu = time.process_time() - own_cpu
    print(
        f"  loaded in {time.perf_counter() - started:.0f} s; CPU per 1,000 cases:"
        f" writers {writers_cpu * per:.2f} s, loader {own_cpu * per:.2f} s,"
        f" database {database_cpu * per:.2f} s",
        flush=True,
    )


def children_cpu() -> float:
    """CPU seconds of this process's finished children (the writers)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ---------------------------------------------------------------------------
# Indexes and constraints: off for a large fill, back after it
# ---------------------------------------------------------------------------


def drop_secondary(tables: list[str]) -> int:
    """Drop the secondary indexes and the unique and foreign-key constraints of
    ``tables``, keeping their definitions in ``bench_fill_ddl``. Returns how many."""
    from django.db import connection, transaction

    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {DDL_TABLE} "
            "(position serial PRIMARY KEY, kind text NOT NULL, statement text NOT NULL)"
        )
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),"
            " am.amname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_am am ON am.oid = c.relam"
            " WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS"
            " (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid"
            "  AND k.contype IN ('p', 'u', 'x'))"
            # The GIN indexes take longest: first, so the others fill the other core.
            " ORDER BY am.amname = 'gin' DESC, pg_relation_size(i.indrelid) DESC, 1",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype"
            " FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f')"
            " ORDER BY contype DESC, 1, 2",
            [tables],
        )
        constraints = cursor.fetchall()
        saved = [("index", definition) for _, definition, _ in indexes]
        saved += [
            ("constraint", f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
            for table, name, definition, _ in constraints
        ]
        cursor.executemany(f"INSERT INTO {DDL_TABLE} (kind, statement) VALUES (%s, %s)", saved)
        for table, name, _, _ in constraints:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
    return len(saved)


def backend_cpu(cursor) -> float:
    """CPU seconds used so far by the database process serving this connection, when the
    server runs on this machine (read from /proc); 0 when it cannot be read."""
    cursor.execute("SELECT pg_backend_pid()")
    (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/comm") as comm, open(f"/proc/{pid}/stat") as stat:
            if not comm.read().startswith("postgres"):
                return 0.0
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run_each(statements: list, connections_wanted: int, each) -> float:
    """Run ``each(cursor, statement)`` for every statement, on that many connections.
    Returns the CPU seconds the database spent on them."""
    from django.db import connection

    queue = list(reversed(statements))
    lock = threading.Lock()
    cpu = []

    def worker():
        try:
            with connection.cursor() as cursor:
                # Two builds at once already take both cores.
                cursor.execute("SET max_parallel_maintenance_workers = 0")
                while True:
                    with lock:
                        if not queue:
                            return
                        statement = queue.pop()
                    started, used = time.perf_counter(), backend_cpu(cursor)
                    each(cursor, statement)
                    used = backend_cpu(cursor) - used
                    cpu.append(used)
                    print(
                        f"    {time.perf_counter() - started:6.1f} s ({used:5.1f} s CPU)"
                        f"  {statement[2][:90]}"
                    )
        finally:
            connection.close()

    with ThreadPoolExecutor(connections_wanted) as executor:
        for future in [executor.submit(worker) for _ in range(connections_wanted)]:
            future.result()
    return sum(cpu)


def _restore(cursor, saved) -> None:
    position, _, statement = saved
    cursor.execute("BEGIN")
    cursor.execute(statement)
    cursor.execute(f"DELETE FROM {DDL_TABLE} WHERE position = %s", [position])
    cursor.execute("COMMIT")


def restore_secondary() -> None:
    """Build again what ``drop_secondary`` dropped: the indexes two at a time, then the
    constraints one after the other (each validates against the rows it references)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [DDL_TABLE])
        if not cursor.fetchone()[0]:
            return
        cursor.execute(f"SELECT position, kind, statement FROM {DDL_TABLE} ORDER BY position")
        saved = cursor.fetchall()
    print(f"Building {len(saved)} indexes and constraints ...", flush=True)
    started = time.perf_counter()
    cpu = _run_each([row for row in saved if row[1] == "index"], 2, _restore)
    cpu += _run_each([row for row in saved if row[1] == "constraint"], 1, _restore)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {DDL_TABLE}")
    print(f"  built in {time.perf_counter() - started:.0f} s ({cpu:.0f} s CPU)", flush=True)


def vacuum(tables: list[str]) -> None:
    """VACUUM (ANALYZE) the filled tables two at a time, then the rest of the database.
    The vacuum also sets the visibility map (index-only scans) and empties the GIN
    pending lists, so the search indexes are measured as autovacuum would leave them."""
    from django.db import connection

    started = time.perf_counter()
    cpu = _run_each(
        [(None, "vacuum", f"VACUUM (ANALYZE) {table}") for table in tables],
        2,
        lambda cursor, row: cursor.execute(row[2]),
    )
    with connection.cursor() as cursor:
        cpu -= backend_cpu(cursor)
        cursor.execute("VACUUM ANALYZE")
        cpu += backend_cpu(cursor)
    print(f"  vacuumed in {time.perf_counter() - started:.0f} s ({cpu:.0f} s CPU)", flush=True)


def rebuild_rollups() -> None:
    """The statistics rollup, when the project has one, from the rows just loaded."""
    from django.core.management import call_command, get_commands

    if "rebuild_case_rollup" not in get_commands():
        print("(no rebuild_case_rollup command in this checkout: no rollup to rebuild)")
        return
    started = time.perf_counter()
    call_command("rebuild_case_rollup")
    print(f"  rebuild_case_rollup in {time.perf_counter() - started:.0f} s", flush=True)


def prepare(target: int, seed: int, jobs: int | None = None) -> None:
    """Bring the benchmark database to ``target`` cases (migrate, the demo's places and
    users, then the missing cases)."""
    from django.core.management import call_command

    from cases.demo import DISTRICT
    from cases.models import Case
    from grids.models import Area

    print("Migrating ...", flush=True)
    call_command("migrate", verbosity=0)
    if not Area.objects.filter(code=DISTRICT[0]).exists():
        print("Loading the demo places and users ...", flush=True)
        call_command("load_demo", cases=0, verbosity=0)
    restore_secondary()  # what an interrupted fill left dropped
    existing = Case.objects.count()
    if existing >= target:
        print(f"{existing} cases already exist (wanted {target}): not filling.")
        return
    missing = target - existing
    jobs = default_jobs() if jobs is None else jobs
    print(f"{existing} cases exist; adding {missing} ({jobs} writer processes) ...", flush=True)
    started = time.perf_counter()
    world = World()
    tables = [table.name for table in world.tables.values()]
    if existing == 0 or missing > existing:
        print(f"  dropped {drop_secondary(tables)} indexes and constraints", flush=True)
    fill(world, missing, f"{seed}-{existing}", jobs)
    loaded = time.perf_counter() - started
    restore_secondary()
    vacuum(tables)
    rebuild_rollups()
    total = time.perf_counter() - started
    peak = peak_rss_mb()
    print(
        f"Filled {missing:,} cases in {total:.0f} s ({missing / total:,.0f} cases/s;"
        f" loading {loaded:.0f} s), peak RSS {peak[0]:.0f} MB here,"
        f" {peak[1]:.0f} MB per writer",
        flush=True,
    )


def default_jobs() -> int:
    return max(1, min(2, (os.cpu_count() or 1)))


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child, in MB."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children
