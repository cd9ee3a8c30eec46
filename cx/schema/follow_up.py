"""Schema steps for closing the loop: follow-up cases."""

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
