"""Schema steps for the leadership programme: heat-map assessment, roadmap, leadership pages."""

from cx.schema.step import Migration

ASSESSMENT = Migration(
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


ROADMAP = Migration(
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
LEADERSHIP = Migration(
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
