"""Schema steps for working as a team: the change log, the import inbox, access roles."""

from cx.schema.step import Migration

# Every committed unit of work appends one row; the newest id is the data version
# that caches are keyed on. Appends never conflict, unlike the single counter row
# in app_meta that every write used to update.
CHANGE_LOG = Migration(
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
INBOX = Migration(
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
ACCESS = Migration(
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
