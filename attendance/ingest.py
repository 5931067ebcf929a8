"""Load lesson rows into AttendanceRecord: stage, validate set-based, upsert only what changed.

Both database paths share the parser (attendance.parsing) and these SQL statements; they differ
only in how the staging table is filled: PostgreSQL streams rows through COPY, SQLite (the
embedded default) through executemany. In-file duplicates, unknown learner numbers and dates
outside a trajectory are found in the database, never in a Python set, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils.translation import gettext as _

from attendance.models import AttendanceUpload, AttendanceUploadError
from attendance.parsing import RowError, convert_row

STAGE = "attendance_stage"
CHANGED = "attendance_changed"
STAGE_COLUMNS = (
    "line",
    "learner_number",
    "lesson_date",
    "daypart",
    "scheduled",
    "attended",
    "status",
    "reason",
    "homework",
    "note",
    "trajectory_id",
)
BATCH_ROWS = 20_000
ERROR_BATCH = 5_000
# Provider fields compared to decide "changed" (the coordinator's classification is never compared).
COMPARED = (
    ("scheduled_minutes", "scheduled"),
    ("attended_minutes", "attended"),
    ("status", "status"),
    ("reason", "reason"),
    ("homework_class", "homework"),
    ("note", "note"),
)


@dataclass
class ImportResult:
    rows_total: int = 0
    rows_new: int = 0
    rows_changed: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    touched_trajectories: list[int] = field(default_factory=list)
    months_touched: set = field(default_factory=set)


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _create_stage(cursor) -> None:
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {STAGE} ("
        "line integer NOT NULL, learner_number varchar(40) NOT NULL, lesson_date date NOT NULL, "
        "daypart varchar(8) NOT NULL, scheduled integer NOT NULL, attended integer NOT NULL, "
        "status varchar(10) NOT NULL, reason varchar(16) NOT NULL, homework boolean NOT NULL, "
        "note varchar(500) NOT NULL, trajectory_id bigint NOT NULL, problem varchar(24) NULL)"
    )


def _load_batch(cursor, batch: list[tuple], *, use_copy: bool) -> None:
    if not batch:
        return
    if use_copy:
        with cursor.cursor.copy(f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row(row)
    else:
        placeholders = ", ".join(["%s"] * len(STAGE_COLUMNS))
        cursor.executemany(f"INSERT INTO {STAGE} ({', '.join(STAGE_COLUMNS)}) VALUES ({placeholders})", batch)


class ErrorSink:
    """Collects row errors and writes them in batches; counts rejected lines."""

    def __init__(self, upload: AttendanceUpload):
        self.upload = upload
        self.buffer: list[AttendanceUploadError] = []
        self.rejected_lines = 0

    def add(self, errors: list[RowError]) -> None:
        self.rejected_lines += 1
        for error in errors:
            self.buffer.append(
                AttendanceUploadError(
                    tenant_id=self.upload.tenant_id,
                    upload=self.upload,
                    line=error.line,
                    column=error.column,
                    value=error.value[:100],
                    message=str(error.message)[:300],
                    code=error.code[:40],
                )
            )
        if len(self.buffer) >= ERROR_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            AttendanceUploadError.unscoped.bulk_create(self.buffer, batch_size=ERROR_BATCH)
            self.buffer = []


def stage_rows(
    rows: Iterable[tuple[int, list[str]]],
    *,
    upload: AttendanceUpload,
    hours: bool,
    today: date,
    sink: ErrorSink,
    progress: Callable[[int], None] | None = None,
    use_copy: bool | None = None,
) -> int:
    """Convert and stage every row; type errors go to the sink. Returns the number of data rows.

    ``use_copy`` defaults to COPY on PostgreSQL; tests force the portable path to compare both.
    """
    use_copy = _is_postgres() if use_copy is None else use_copy
    resolve = TrajectoryResolver(tenant_id=upload.tenant_id, contract_id=upload.contract_id)
    total = 0
    batch: list[tuple] = []
    with connection.cursor() as cursor:
        _create_stage(cursor)
        for line, values in rows:
            total += 1
            row, errors = convert_row(line, values, today=today, hours=hours)
            if errors:
                sink.add(errors)
                continue
            trajectory_id, problem = resolve(line, row[1], row[2])
            if problem is not None:
                sink.add([problem])
            else:
                batch.append((*row, trajectory_id))
            if len(batch) >= BATCH_ROWS:
                _load_batch(cursor, batch, use_copy=use_copy)
                batch = []
                if progress:
                    progress(total)
        _load_batch(cursor, batch, use_copy=use_copy)
        if _is_postgres():
            cursor.execute(f"ANALYZE {STAGE}")
    return total


class TrajectoryResolver:
    """Learner number and date → the trajectory under this contract, from one query per upload.

    The contract's trajectories (thousands, not millions) are read once, so a file of any size
    costs one lookup per row in memory and no per-row query. The messages never say whether a
    number exists outside this contract.
    """

    def __init__(self, *, tenant_id: int, contract_id: int):
        from learning_routes.models import Trajectory

        self.periods: dict[str, list[tuple[int, date, date | None]]] = {}
        rows = Trajectory.unscoped.filter(tenant_id=tenant_id, contract_id=contract_id).values_list(
            "learner__learner_number", "pk", "start_date", "end_date"
        )
        for number, trajectory_id, start, end in rows:
            self.periods.setdefault(number, []).append((trajectory_id, start, end))

    def __call__(self, line: int, learner_number: str, lesson_date: date) -> tuple[int | None, RowError | None]:
        periods = self.periods.get(learner_number)
        if not periods:
            return None, RowError(
                line,
                "deelnemernummer",
                learner_number,
                _("This learner number is not on a trajectory under this contract."),
                "unknown_learner",
            )
        for trajectory_id, start, end in periods:
            if start <= lesson_date and (end is None or lesson_date <= end):
                return trajectory_id, None
        return None, RowError(
            line,
            "datum",
            lesson_date.isoformat(),
            _("The date lies outside the learner's trajectory under this contract."),
            "outside_trajectory",
        )


def _month_start_sql() -> str:
    if _is_postgres():
        return "CAST(date_trunc('month', r.lesson_date) AS date)"
    return "date(r.lesson_date, 'start of month')"


def _mark_duplicates(cursor) -> bool:
    """The same lesson twice in the file: every copy is rejected. Found by the database, not a set;
    the marking UPDATE runs only when there is something to mark."""
    cursor.execute(f"SELECT 1 FROM {STAGE} GROUP BY learner_number, lesson_date, daypart HAVING COUNT(*) > 1 LIMIT 1")
    if cursor.fetchone() is None:
        return False
    cursor.execute(
        f"UPDATE {STAGE} SET problem = 'duplicate' WHERE (learner_number, lesson_date, daypart) IN ("
        f"SELECT learner_number, lesson_date, daypart FROM {STAGE} "
        "GROUP BY learner_number, lesson_date, daypart HAVING COUNT(*) > 1)"
    )
    return True


def _problem_errors(cursor, sink: ErrorSink) -> None:
    cursor.execute(
        f"SELECT learner_number, lesson_date, daypart, line FROM {STAGE} WHERE problem = 'duplicate' "
        "ORDER BY learner_number, lesson_date, daypart, line"
    )
    groups: dict[tuple, list[int]] = {}
    for learner_number, lesson_date, daypart, line in cursor.fetchall():
        groups.setdefault((learner_number, lesson_date, daypart), []).append(line)
    for lines in groups.values():
        for line in lines:
            others = ", ".join(str(other) for other in lines if other != line)
            sink.add(
                [
                    RowError(
                        line,
                        "datum",
                        "",
                        _(
                            "The same lesson (learner number, date and daypart) also appears on line %(lines)s; "
                            "all copies are rejected. Keep one."
                        )
                        % {"lines": others},
                        "duplicate",
                    )
                ]
            )


def _upsert(cursor, *, upload: AttendanceUpload) -> tuple[int, int]:
    """Audit and update changed rows, insert new ones. Returns (new, changed)."""
    differs = " OR ".join(f"r.{record} <> s.{staged}" for record, staged in COMPARED)
    join = "s.trajectory_id = r.trajectory_id AND s.lesson_date = r.lesson_date AND s.daypart = r.daypart"
    # One join of the staged rows with the stored lessons finds the changed ones; audit and update
    # then go by primary key from that small table instead of joining everything again.
    cursor.execute(f"DROP TABLE IF EXISTS {CHANGED}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {CHANGED} AS SELECT r.id AS record_id, s.line AS line "
        f"FROM attendance_attendancerecord r JOIN {STAGE} s ON {join} WHERE s.problem IS NULL AND ({differs})"
    )
    cursor.execute(f"SELECT COUNT(*) FROM {CHANGED}")
    changed = cursor.fetchone()[0]
    if changed:
        cursor.execute(
            "INSERT INTO attendance_attendancerecordchange (tenant_id, record_id, upload_id, previous_upload_id, "
            "scheduled_minutes, attended_minutes, status, reason, homework_class, note, classification) "
            "SELECT r.tenant_id, r.id, %s, r.upload_id, r.scheduled_minutes, r.attended_minutes, r.status, "
            f"r.reason, r.homework_class, r.note, r.classification FROM attendance_attendancerecord r "
            f"JOIN {CHANGED} c ON c.record_id = r.id",
            [upload.pk],
        )
        sets = ", ".join(f"{record} = s.{staged}" for record, staged in COMPARED)
        # An absence that became a presence (or a cancelled lesson) loses its classification; the
        # old one stays in the change history (DOMAIN.md "Rule semantics").
        cleared = "CASE WHEN r.status = 'afwezig' AND s.status <> 'afwezig' THEN {empty} ELSE r.{column} END"
        cursor.execute(
            f"UPDATE attendance_attendancerecord AS r SET {sets}, upload_id = %s, "
            f"classification = {cleared.format(empty=chr(39) * 2, column='classification')}, "
            f"culpability = {cleared.format(empty=chr(39) * 2, column='culpability')}, "
            f"classified_by_id = {cleared.format(empty='NULL', column='classified_by_id')}, "
            f"classified_at = {cleared.format(empty='NULL', column='classified_at')} "
            f"FROM {CHANGED} c JOIN {STAGE} s ON s.line = c.line WHERE r.id = c.record_id",
            [upload.pk],
        )
    cursor.execute(f"DROP TABLE IF EXISTS {CHANGED}")
    # New lessons: ON CONFLICT skips existing ones through the unique index, without reading the
    # table being written (an anti-join against it made the planner rescan it per row when empty).
    cursor.execute(
        "INSERT INTO attendance_attendancerecord (tenant_id, trajectory_id, lesson_date, daypart, scheduled_minutes, "
        "attended_minutes, status, reason, homework_class, note, upload_id, classification, culpability) "
        "SELECT %s, s.trajectory_id, s.lesson_date, s.daypart, s.scheduled, s.attended, s.status, s.reason, "
        f"s.homework, s.note, %s, '', '' FROM {STAGE} s WHERE s.problem IS NULL "
        "ON CONFLICT (trajectory_id, lesson_date, daypart) DO NOTHING",
        [upload.tenant_id, upload.pk],
    )
    return cursor.rowcount, changed


def refresh_rollups(cursor, *, trajectory_ids_sql: str, params: list) -> None:
    """Recompute the monthly rollup of the given trajectories, set-based."""
    cursor.execute(
        f"DELETE FROM attendance_trajectoryattendancemonth WHERE trajectory_id IN ({trajectory_ids_sql})", params
    )
    cursor.execute(
        "INSERT INTO attendance_trajectoryattendancemonth (tenant_id, trajectory_id, month, offered_minutes, "
        "attended_minutes, absent_minutes, lessons, absences) "
        f"SELECT r.tenant_id, r.trajectory_id, {_month_start_sql()}, "
        "SUM(CASE WHEN r.status <> 'vervallen' THEN r.scheduled_minutes ELSE 0 END), SUM(r.attended_minutes), "
        "SUM(CASE WHEN r.status = 'afwezig' THEN r.scheduled_minutes - r.attended_minutes ELSE 0 END), "
        "SUM(CASE WHEN r.status <> 'vervallen' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN r.status = 'afwezig' THEN 1 ELSE 0 END) "
        f"FROM attendance_attendancerecord r WHERE r.trajectory_id IN ({trajectory_ids_sql}) "
        f"GROUP BY r.tenant_id, r.trajectory_id, {_month_start_sql()}",
        params,
    )


def store_staged(*, upload: AttendanceUpload, sink: ErrorSink, rows_total: int) -> ImportResult:
    """Validate the staged rows against the contract's trajectories and store them (one transaction)."""
    result = ImportResult(rows_total=rows_total)
    with transaction.atomic(), connection.cursor() as cursor:
        if _is_postgres():
            # One import per contract at a time: two concurrent uploads never race on the same lesson.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7401, upload.contract_id])
        if _mark_duplicates(cursor):
            _problem_errors(cursor, sink)
        sink.flush()
        result.rows_new, result.rows_changed = _upsert(cursor, upload=upload)
        cursor.execute(f"SELECT COUNT(*) FROM {STAGE} WHERE problem IS NULL")
        stored = cursor.fetchone()[0]
        result.rows_unchanged = stored - result.rows_new - result.rows_changed
        if result.rows_new or result.rows_changed:
            touched = f"SELECT DISTINCT trajectory_id FROM {STAGE} WHERE problem IS NULL"
            refresh_rollups(cursor, trajectory_ids_sql=touched, params=[])
            cursor.execute(touched)
            result.touched_trajectories = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    result.rows_rejected = sink.rejected_lines
    return result
