"""Schema steps for closing the loop: follow-up cases, comment themes and sentiment."""

from cx.schema.step import Migration

# Follow-up cases (cx.cases): a response that meets its survey's rule becomes a case
# someone contacts. One case per response (unique source, response_id), so two runs
# of "find new cases" at once cannot both open one. The case keeps a copy of what the
# customer said; contact details stay in the response's extra attributes and are
# read, for the case owner and admins only, through the rule's column names.
CASES = Migration(
    14,
    "follow-up cases: rules per survey, cases and their history",
    (
        """
        CREATE TABLE case_rules (
            source           VARCHAR PRIMARY KEY,
            enabled          BOOLEAN NOT NULL,
            nps_max          INTEGER CHECK (nps_max BETWEEN 0 AND 10),
            csat_max         INTEGER CHECK (csat_max BETWEEN 1 AND 5),
            needs_comment    BOOLEAN NOT NULL,
            consent_column   VARCHAR,
            consent_values   VARCHAR[] NOT NULL,
            email_column     VARCHAR,
            phone_column     VARCHAR,
            standard_days    INTEGER NOT NULL CHECK (standard_days BETWEEN 1 AND 60),
            default_owner_id INTEGER,
            updated_at       TIMESTAMP NOT NULL,
            updated_by       INTEGER
        )
        """,
        "CREATE SEQUENCE follow_up_case_seq START 1",
        """
        CREATE TABLE follow_up_cases (
            case_id       INTEGER PRIMARY KEY DEFAULT nextval('follow_up_case_seq'),
            source        VARCHAR NOT NULL,
            response_id   VARCHAR NOT NULL,
            completed_at  TIMESTAMP,
            service       VARCHAR,
            channel       VARCHAR,
            nps           UTINYINT,
            csat          UTINYINT,
            comment       VARCHAR,
            opened_on     DATE NOT NULL,
            due_on        DATE NOT NULL,
            standard_days INTEGER NOT NULL,
            owner_id      INTEGER,
            status        VARCHAR NOT NULL CHECK (status IN ('new', 'contacted', 'resolved',
                                                             'could_not_contact')),
            closed_on     DATE,
            notes         VARCHAR,
            outcome       VARCHAR,
            created_at    TIMESTAMP NOT NULL,
            created_by    INTEGER,
            updated_at    TIMESTAMP NOT NULL,
            updated_by    INTEGER,
            UNIQUE (source, response_id),
            CHECK (due_on > opened_on),
            CHECK ((closed_on IS NULL) = (status IN ('new', 'contacted')))
        )
        """,
        "CREATE SEQUENCE case_change_seq START 1",
        """
        CREATE TABLE case_changes (
            change_id  BIGINT PRIMARY KEY DEFAULT nextval('case_change_seq'),
            case_id    INTEGER,
            source     VARCHAR,
            changed_at TIMESTAMP NOT NULL,
            changed_by INTEGER,
            field      VARCHAR NOT NULL,
            old_value  VARCHAR,
            new_value  VARCHAR
        )
        """,
    ),
)


# Comment themes and sentiment (cx/themes.py): tags keep the theme version that made them, so an
# edit re-tags one theme; theme_history is append-only (its row count is the list's version).
THEMES = Migration(
    16,
    "themes and sentiment of comments, theme suggestions, you said we did",
    (
        "CREATE SEQUENCE theme_seq START 1",
        """
        CREATE TABLE themes (
            theme_id   INTEGER PRIMARY KEY DEFAULT nextval('theme_seq'),
            name       VARCHAR NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
            phrases    VARCHAR[] NOT NULL CHECK (len(phrases) > 0),
            version    INTEGER NOT NULL DEFAULT 1,
            origin     VARCHAR NOT NULL CHECK (origin IN ('shipped', 'council', 'suggested')),
            updated_at TIMESTAMP NOT NULL,
            updated_by INTEGER
        )
        """,
        """
        CREATE TABLE theme_history (
            theme_id   INTEGER NOT NULL,
            version    INTEGER NOT NULL,
            change     VARCHAR NOT NULL CHECK (change IN ('added', 'edited', 'removed')),
            name       VARCHAR NOT NULL,
            phrases    VARCHAR[] NOT NULL,
            changed_at TIMESTAMP NOT NULL,
            changed_by INTEGER
        )
        """,
        "CREATE TABLE theme_runs (theme_id INTEGER PRIMARY KEY, version INTEGER NOT NULL, "
        "run_id BIGINT NOT NULL, tagged_at TIMESTAMP NOT NULL)",
        "CREATE SEQUENCE theme_run_seq START 1",
        """
        CREATE TABLE comment_analysis (source VARCHAR NOT NULL, response_id VARCHAR NOT NULL,
            sentiment DOUBLE NOT NULL CHECK (sentiment BETWEEN -1 AND 1), run_id BIGINT NOT NULL)
        """,
        """
        CREATE TABLE comment_themes (source VARCHAR NOT NULL, response_id VARCHAR NOT NULL,
            theme_id INTEGER NOT NULL, theme_version INTEGER NOT NULL, run_id BIGINT NOT NULL)
        """,
        "CREATE SEQUENCE theme_suggestion_seq START 1",
        """
        CREATE TABLE theme_suggestions (
            suggestion_id INTEGER PRIMARY KEY DEFAULT nextval('theme_suggestion_seq'),
            label         VARCHAR NOT NULL,
            phrases       VARCHAR[] NOT NULL,
            examples      VARCHAR[] NOT NULL,
            comments      INTEGER NOT NULL,
            status        VARCHAR NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
            created_at    TIMESTAMP NOT NULL,
            decided_at    TIMESTAMP,
            decided_by    INTEGER,
            theme_id      INTEGER
        )
        """,
        "CREATE SEQUENCE you_said_seq START 1",
        """
        CREATE TABLE you_said_we_did (
            item_id    INTEGER PRIMARY KEY DEFAULT nextval('you_said_seq'),
            theme_id   INTEGER NOT NULL,
            action_id  INTEGER,
            you_said   VARCHAR NOT NULL CHECK (length(trim(you_said)) > 0),
            we_did     VARCHAR NOT NULL CHECK (length(trim(we_did)) > 0),
            published  BOOLEAN NOT NULL DEFAULT false,
            updated_at TIMESTAMP NOT NULL,
            updated_by INTEGER
        )
        """,
    ),
)
