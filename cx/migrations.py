"""Ordered, named schema steps for the PlaceCX database.

Each migration runs in one transaction together with the row that records it in
`schema_migrations`, so a crash part-way leaves the database as it was before that
step. Applying the list twice changes nothing: recorded steps are skipped.

To change the schema, append a new `Migration` with the next free number; never
edit or renumber one that has shipped, because databases in the field have
recorded it by number and name.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from cx.errors import DatabaseError


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    statements: tuple[str, ...]


_CORE_TABLES = Migration(
    1,
    "survey responses, upload batches and KPI observations",
    (
        "CREATE SEQUENCE upload_batch_seq START 1",
        """
        CREATE TABLE upload_batches (
            batch_id       INTEGER PRIMARY KEY DEFAULT nextval('upload_batch_seq'),
            kind           VARCHAR NOT NULL CHECK (kind IN ('responses', 'kpi')),
            source         VARCHAR NOT NULL,
            file_name      VARCHAR,
            file_size      BIGINT,
            file_sha256    VARCHAR,
            tool           VARCHAR,
            encoding       VARCHAR,
            delimiter      VARCHAR,
            uploaded_by    VARCHAR,
            uploaded_at    TIMESTAMP NOT NULL,
            rows_new       BIGINT NOT NULL DEFAULT 0,
            rows_duplicate BIGINT NOT NULL DEFAULT 0,
            rows_rejected  BIGINT NOT NULL DEFAULT 0,
            note           VARCHAR
        )
        """,
        # No primary key on responses: an ART index over ten million keys costs more
        # memory than the whole table. Importers de-duplicate by (source, response_id).
        """
        CREATE TABLE responses (
            batch_id     INTEGER NOT NULL,
            source       VARCHAR NOT NULL,
            response_id  VARCHAR NOT NULL,
            completed_at TIMESTAMP,
            service      VARCHAR,
            channel      VARCHAR,
            area         VARCHAR,
            segment      VARCHAR,
            staff_id     VARCHAR,
            nps          UTINYINT CHECK (nps <= 10),
            csat         UTINYINT CHECK (csat BETWEEN 1 AND 5),
            ces          UTINYINT,
            ces_scale    UTINYINT CHECK (ces_scale IN (5, 7)),
            fft          UTINYINT CHECK (fft BETWEEN 1 AND 5),
            comment      VARCHAR,
            extra        MAP(VARCHAR, VARCHAR),
            CHECK (ces IS NULL OR (ces_scale IS NOT NULL AND ces BETWEEN 1 AND ces_scale))
        )
        """,
        """
        CREATE TABLE kpi_observations (
            batch_id     INTEGER NOT NULL,
            period_start DATE NOT NULL,
            period_grain VARCHAR NOT NULL CHECK (period_grain IN ('week', 'month', 'quarter', 'year')),
            service      VARCHAR,
            metric       VARCHAR NOT NULL,
            numerator    DOUBLE,
            denominator  DOUBLE CHECK (denominator IS NULL OR denominator >= 0),
            value        DOUBLE,
            CHECK (numerator IS NOT NULL OR value IS NOT NULL)
        )
        """,
    ),
)

_APP_META = Migration(
    2,
    "application metadata",
    (
        """
        CREATE TABLE app_meta (
            key   VARCHAR PRIMARY KEY,
            value VARCHAR NOT NULL
        )
        """,
        "INSERT INTO app_meta VALUES ('data_version', '0')",
    ),
)

_PEOPLE = Migration(
    3,
    "people: leaders, raters and authors",
    (
        "CREATE SEQUENCE person_seq START 1",
        """
        CREATE TABLE people (
            person_id  INTEGER PRIMARY KEY DEFAULT nextval('person_seq'),
            name       VARCHAR NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
            role       VARCHAR,
            created_at TIMESTAMP NOT NULL
        )
        """,
    ),
)

_TARGETS = Migration(
    4,
    "targets for the survey measures, for the whole council or one service",
    (
        # service '' = every service, so the pair can be a primary key.
        """
        CREATE TABLE survey_targets (
            metric     VARCHAR NOT NULL CHECK (metric IN ('nps', 'csat', 'ces')),
            service    VARCHAR NOT NULL DEFAULT '',
            target     DOUBLE NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            updated_by INTEGER,
            PRIMARY KEY (metric, service)
        )
        """,
    ),
)

# --- Upload ---
# Responses keep unmapped columns in `responses.extra` (migration 1), so no new
# response column is needed. A batch records how its file was read; rejected rows
# are kept with their batch so the list can be downloaded later; mapping profiles
# make the next upload of the same survey one click.
_UPLOADS = Migration(
    5,
    "uploads: how each file was read, its rejected rows, saved mapping profiles",
    (
        "ALTER TABLE upload_batches ADD COLUMN header_rows INTEGER",
        "ALTER TABLE upload_batches ADD COLUMN sheet VARCHAR",
        "ALTER TABLE upload_batches ADD COLUMN data_rows BIGINT",
        "ALTER TABLE upload_batches ADD COLUMN mapping VARCHAR",
        """
        CREATE TABLE upload_rejections (
            batch_id    INTEGER NOT NULL,
            line        BIGINT NOT NULL,
            column_name VARCHAR NOT NULL,
            value       VARCHAR,
            reason      VARCHAR NOT NULL
        )
        """,
        # `columns_signature` is a hash of the file's column names: a new upload with
        # the same columns is offered its profile.
        """
        CREATE TABLE mapping_profiles (
            name              VARCHAR PRIMARY KEY CHECK (length(trim(name)) > 0),
            kind              VARCHAR NOT NULL CHECK (kind IN ('responses', 'kpi')),
            source            VARCHAR NOT NULL,
            columns_signature VARCHAR NOT NULL,
            mapping           VARCHAR NOT NULL,
            saved_at          TIMESTAMP NOT NULL,
            saved_by          VARCHAR
        )
        """,
    ),
)

_ASSESSMENT = Migration(
    6,
    "self-assessment heat map: rounds, raters, drafts and submitted ratings",
    (
        "CREATE SEQUENCE assessment_round_seq START 1",
        """
        CREATE TABLE assessment_rounds (
            round_id   INTEGER PRIMARY KEY DEFAULT nextval('assessment_round_seq'),
            name       VARCHAR NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
            held_on    DATE NOT NULL,
            created_at TIMESTAMP NOT NULL,
            created_by INTEGER
        )
        """,
        """
        CREATE TABLE assessment_raters (
            round_id  INTEGER NOT NULL,
            person_id INTEGER NOT NULL,
            PRIMARY KEY (round_id, person_id)
        )
        """,
        # A rater's unfinished answers: levels may still be missing. Replaced as a
        # whole on every save and removed when the rater submits.
        """
        CREATE TABLE assessment_drafts (
            round_id  INTEGER NOT NULL,
            person_id INTEGER NOT NULL,
            block     VARCHAR NOT NULL CHECK (block IN ('collaboration', 'branding', 'data',
                                                        'employees', 'culture')),
            stage     VARCHAR NOT NULL CHECK (stage IN ('basics', 'consistency', 'excellence')),
            level     VARCHAR CHECK (level IN ('strength', 'progress', 'critical')),
            comment   VARCHAR,
            evidence  VARCHAR,
            saved_at  TIMESTAMP NOT NULL,
            PRIMARY KEY (round_id, person_id, block, stage)
        )
        """,
        # Submissions are never changed: re-rating adds a newer submission, and the
        # earlier ones remain as the rater's history. The latest one counts.
        "CREATE SEQUENCE assessment_submission_seq START 1",
        """
        CREATE TABLE assessment_submissions (
            submission_id INTEGER PRIMARY KEY DEFAULT nextval('assessment_submission_seq'),
            round_id      INTEGER NOT NULL,
            person_id     INTEGER NOT NULL,
            submitted_at  TIMESTAMP NOT NULL
        )
        """,
        """
        CREATE TABLE assessment_ratings (
            submission_id INTEGER NOT NULL,
            block         VARCHAR NOT NULL CHECK (block IN ('collaboration', 'branding', 'data',
                                                            'employees', 'culture')),
            stage         VARCHAR NOT NULL CHECK (stage IN ('basics', 'consistency', 'excellence')),
            level         VARCHAR NOT NULL CHECK (level IN ('strength', 'progress', 'critical')),
            comment       VARCHAR,
            evidence      VARCHAR,
            PRIMARY KEY (submission_id, block, stage)
        )
        """,
    ),
)

_ROADMAP = Migration(
    7,
    "roadmap planner: programme, entry stages, actions and their change history",
    (
        # One programme per database: the council's customer-experience programme.
        """
        CREATE TABLE roadmap_programme (
            programme_id INTEGER PRIMARY KEY CHECK (programme_id = 1),
            start_date   DATE NOT NULL,
            years        INTEGER NOT NULL CHECK (years BETWEEN 3 AND 5),
            updated_at   TIMESTAMP NOT NULL,
            updated_by   INTEGER
        )
        """,
        """
        CREATE TABLE roadmap_entry_stages (
            block      VARCHAR PRIMARY KEY CHECK (block IN ('collaboration', 'branding', 'data',
                                                            'employees', 'culture')),
            stage      VARCHAR NOT NULL CHECK (stage IN ('basics', 'consistency', 'excellence')),
            updated_at TIMESTAMP NOT NULL,
            updated_by INTEGER
        )
        """,
        "CREATE SEQUENCE roadmap_action_seq START 1",
        """
        CREATE TABLE roadmap_actions (
            action_id   INTEGER PRIMARY KEY DEFAULT nextval('roadmap_action_seq'),
            title       VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
            stage       VARCHAR NOT NULL CHECK (stage IN ('basics', 'consistency', 'excellence')),
            blocks      VARCHAR[] NOT NULL CHECK (len(blocks) > 0 AND list_has_all(
                            ['collaboration', 'branding', 'data', 'employees', 'culture'], blocks)),
            owner_id    INTEGER,
            status      VARCHAR NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done',
                                                           'blocked')),
            start_date  DATE NOT NULL,
            due_date    DATE NOT NULL,
            notes       VARCHAR,
            metric      VARCHAR,
            target      DOUBLE,
            archived    BOOLEAN NOT NULL DEFAULT false,
            toolkit_key VARCHAR,
            created_at  TIMESTAMP NOT NULL,
            created_by  INTEGER,
            updated_at  TIMESTAMP NOT NULL,
            updated_by  INTEGER,
            CHECK (due_date >= start_date)
        )
        """,
        # The audit log: one row per changed field, in words as people saw them then.
        # action_id is NULL for changes to the programme itself.
        "CREATE SEQUENCE roadmap_change_seq START 1",
        """
        CREATE TABLE roadmap_changes (
            change_id  INTEGER PRIMARY KEY DEFAULT nextval('roadmap_change_seq'),
            action_id  INTEGER,
            changed_at TIMESTAMP NOT NULL,
            changed_by INTEGER,
            field      VARCHAR NOT NULL,
            old_value  VARCHAR,
            new_value  VARCHAR
        )
        """,
    ),
)

# --- Leadership: checklist answers, cultural-change steps, journey maps ---
# No FOREIGN KEY clauses: DuckDB refuses to update a row that other rows reference
# (even a column the key does not cover) once they were written in the same
# transaction, which would break renaming a person. The store checks ids instead.
_LEADERSHIP = Migration(
    8,
    "leadership: checklist answers, cultural-change steps, journey maps",
    (
        "CREATE SEQUENCE checklist_answer_seq START 1",
        # Every save adds a row, so earlier answers stay readable. `shared` lets the
        # rest of the team read the answer; only a person's newest answer to a
        # question is ever shown to others.
        """
        CREATE TABLE checklist_answers (
            answer_id INTEGER PRIMARY KEY DEFAULT nextval('checklist_answer_seq'),
            person_id INTEGER NOT NULL,
            question  VARCHAR NOT NULL,
            answer    VARCHAR NOT NULL CHECK (length(trim(answer)) > 0),
            shared    BOOLEAN NOT NULL DEFAULT false,
            saved_at  TIMESTAMP NOT NULL
        )
        """,
        # One row per step of the roadmap once someone has recorded anything about
        # it; a step with no row has not been started. The steps' wording lives in
        # cx/culture.py.
        """
        CREATE TABLE culture_steps (
            step       INTEGER PRIMARY KEY CHECK (step BETWEEN 1 AND 11),
            status     VARCHAR NOT NULL CHECK (status IN ('not_started', 'in_progress', 'done')),
            owner_id   INTEGER,
            step_date  DATE,
            evidence   VARCHAR,
            updated_at TIMESTAMP NOT NULL,
            updated_by INTEGER
        )
        """,
        "CREATE SEQUENCE journey_seq START 1",
        """
        CREATE TABLE journeys (
            journey_id  INTEGER PRIMARY KEY DEFAULT nextval('journey_seq'),
            name        VARCHAR NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
            description VARCHAR,
            created_at  TIMESTAMP NOT NULL,
            updated_at  TIMESTAMP NOT NULL,
            updated_by  INTEGER
        )
        """,
        """
        CREATE TABLE journey_steps (
            journey_id     INTEGER NOT NULL,
            version        VARCHAR NOT NULL CHECK (version IN ('as_is', 'to_be')),
            position       INTEGER NOT NULL CHECK (position >= 1),
            stage          VARCHAR NOT NULL CHECK (length(trim(stage)) > 0),
            goal           VARCHAR,
            action         VARCHAR,
            channel        VARCHAR,
            pain_points    VARCHAR,
            emotions       VARCHAR,
            emotion_score  TINYINT CHECK (emotion_score BETWEEN -2 AND 2),
            opportunities  VARCHAR,
            PRIMARY KEY (journey_id, version, position)
        )
        """,
    ),
)

# Every committed unit of work appends one row; the newest id is the data version
# that caches are keyed on. Appends never conflict, unlike the single counter row
# in app_meta that every write used to update.
_CHANGE_LOG = Migration(
    9,
    "change log: one row per committed change, replacing the shared data-version counter",
    (
        "CREATE SEQUENCE change_log_seq START 1",
        """
        CREATE TABLE change_log (
            change_id  BIGINT PRIMARY KEY DEFAULT nextval('change_log_seq'),
            changed_at TIMESTAMP NOT NULL,
            changed_by INTEGER,
            features   VARCHAR[] NOT NULL
        )
        """,
        "DELETE FROM app_meta WHERE key = 'data_version'",
    ),
)

# Files dropped in the watched inbox folder (cx/inbox.py): one row per file the
# worker took, whatever became of it, so a failure keeps its reason. A file whose
# content was already imported is not imported again (judged by upload_batches).
_INBOX = Migration(
    10,
    "inbox: files dropped in the watched folder, with their outcome and reason",
    (
        "CREATE SEQUENCE inbox_file_seq START 1",
        """
        CREATE TABLE inbox_files (
            inbox_file_id INTEGER PRIMARY KEY DEFAULT nextval('inbox_file_seq'),
            file_name     VARCHAR NOT NULL,
            file_size     BIGINT,
            file_sha256   VARCHAR,
            received_at   TIMESTAMP NOT NULL,
            outcome       VARCHAR NOT NULL CHECK (outcome IN ('imported', 'already imported', 'failed')),
            batch_id      INTEGER,
            reason        VARCHAR
        )
        """,
    ),
)

# Sign-in: a person is known by the email their identity provider gives, and has
# one access role. Existing people (named before sign-in existed) keep everything
# they recorded; an admin links an email to them. The change log names what each
# unit of work did, for the audit trail.
_ACCESS = Migration(
    11,
    "sign-in: people's email and access role; what each change did",
    (
        "ALTER TABLE people ADD COLUMN email VARCHAR",
        "ALTER TABLE people ADD COLUMN access VARCHAR NOT NULL DEFAULT 'leader'",
        "ALTER TABLE people ADD COLUMN active BOOLEAN NOT NULL DEFAULT true",
        "CREATE UNIQUE INDEX people_email ON people (email)",
        "ALTER TABLE change_log ADD COLUMN actions VARCHAR[]",
    ),
)

# Rows whose response id appears earlier in the same file are counted apart from
# rows already held from earlier uploads (rows_duplicate).
_REPEATED_ROWS = Migration(
    18,
    "upload batches count rows repeated within their own file",
    ("ALTER TABLE upload_batches ADD COLUMN rows_repeated BIGINT NOT NULL DEFAULT 0",),
)


# Append new migrations at the end of this tuple, numbered in order.
MIGRATIONS: tuple[Migration, ...] = (
    _CORE_TABLES,
    _APP_META,
    _PEOPLE,
    _TARGETS,
    _UPLOADS,
    _ASSESSMENT,
    _ROADMAP,
    _LEADERSHIP,
    _CHANGE_LOG,
    _INBOX,
    _ACCESS,
    _REPEATED_ROWS,
)


def applied_migrations(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """Return {number: name} of the migrations recorded in this database."""
    con.execute(
        """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            number     INTEGER PRIMARY KEY,
            name       VARCHAR NOT NULL,
            applied_at TIMESTAMP NOT NULL DEFAULT localtimestamp
        )
        """
    )
    return dict(con.execute("SELECT number, name FROM schema_migrations").fetchall())


def apply_migrations(
    con: duckdb.DuckDBPyConnection,
    migrations: tuple[Migration, ...] = MIGRATIONS,
) -> list[int]:
    """Apply every migration not yet recorded, in number order; return the numbers applied.

    Raises DatabaseError when the database records a migration under a different
    name than this code (the file belongs to another application or a diverged
    branch) or records a number this code does not know (the file was written by a
    newer PlaceCX). A migration whose SQL fails is rolled back with its record and
    re-raised as DatabaseError naming it.
    """
    _check_sequence(migrations)
    recorded = applied_migrations(con)
    known = {m.number: m.name for m in migrations}
    for number, name in recorded.items():
        if number not in known:
            raise DatabaseError(
                f"This database was written by a newer version of PlaceCX (schema step {number}, "
                f"'{name}'); upgrade PlaceCX or open another file."
            )
        if known[number] != name:
            raise DatabaseError(
                f"Schema step {number} is recorded as '{name}' but this version calls it "
                f"'{known[number]}'; this file was not made by this PlaceCX."
            )
    applied = []
    for migration in migrations:
        if migration.number in recorded:
            continue
        _apply_one(con, migration)
        applied.append(migration.number)
    return applied


def _apply_one(con: duckdb.DuckDBPyConnection, migration: Migration) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        for statement in migration.statements:
            con.execute(statement)
        con.execute(
            "INSERT INTO schema_migrations (number, name) VALUES (?, ?)",
            [migration.number, migration.name],
        )
        con.execute("COMMIT")
    except duckdb.Error as error:
        con.execute("ROLLBACK")
        raise DatabaseError(
            f"Schema step {migration.number} ('{migration.name}') failed: {error}"
        ) from error


def _check_sequence(migrations: tuple[Migration, ...]) -> None:
    numbers = [m.number for m in migrations]
    if numbers != sorted(set(numbers)):
        raise DatabaseError(f"Migration numbers must be unique and ascending, got {numbers}.")
