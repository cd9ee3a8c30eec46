"""Schema steps for the survey data: responses, uploads, KPI observations, targets, people,
surveys as named records."""

from cx.schema.step import Migration

CORE_TABLES = Migration(
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


APP_META = Migration(
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


PEOPLE = Migration(
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


TARGETS = Migration(
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
UPLOADS = Migration(
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


# A council runs several surveys at once. Each distinct `responses.source` becomes a
# named survey with a kind, the services it covers and whether it feeds the headline
# measures; the source text stays the key responses and batches hold. Targets move to
# one table for every measure (survey or KPI) with a note of where each comes from;
# the contact-centre defaults are the figures the research seed gives.
SURVEYS = Migration(
    17,
    "surveys: name, kind, services, headline flag; targets for every measure with a source note",
    (
        "CREATE SEQUENCE survey_seq START 1",
        """
        CREATE TABLE surveys (
            survey_id  INTEGER PRIMARY KEY DEFAULT nextval('survey_seq'),
            source     VARCHAR NOT NULL UNIQUE,
            name       VARCHAR NOT NULL CHECK (length(trim(name)) > 0),
            kind       VARCHAR NOT NULL CHECK (kind IN ('post_contact', 'resident', 'service', 'fft',
                                                         'govmetric', 'staff')),
            services   VARCHAR[] NOT NULL DEFAULT [],
            headline   BOOLEAN NOT NULL DEFAULT false,
            updated_at TIMESTAMP NOT NULL,
            updated_by INTEGER
        )
        """,
        # Data held before this step fed the headlines, so it keeps doing so.
        """
        INSERT INTO surveys (source, name, kind, services, headline, updated_at)
        SELECT source, source,
               CASE WHEN count(fft) > 0 AND count(nps) + count(csat) + count(ces) = 0 THEN 'fft'
                    ELSE 'post_contact' END,
               coalesce(list(DISTINCT service ORDER BY service) FILTER (service IS NOT NULL), []),
               true, localtimestamp
        FROM responses GROUP BY source
        """,
        """
        INSERT INTO surveys (source, name, kind, headline, updated_at)
        SELECT DISTINCT source, source, 'post_contact', true, localtimestamp FROM upload_batches
        WHERE kind = 'responses' AND source NOT IN (SELECT source FROM surveys)
        """,
        # GovMetric answers: 1 = poor, 2 = average, 3 = good.
        "ALTER TABLE responses ADD COLUMN govmetric UTINYINT",
        """
        CREATE TABLE measure_targets (
            metric      VARCHAR NOT NULL,
            service     VARCHAR NOT NULL DEFAULT '',
            target      DOUBLE NOT NULL,
            source_note VARCHAR NOT NULL DEFAULT '',
            updated_at  TIMESTAMP NOT NULL,
            updated_by  INTEGER,
            PRIMARY KEY (metric, service)
        )
        """,
        "INSERT INTO measure_targets SELECT metric, service, target, '', updated_at, updated_by "
        "FROM survey_targets",
        """
        INSERT INTO measure_targets (metric, service, target, source_note, updated_at) VALUES
        ('answered_within_20s', '', 80, 'Institute of Customer Service, "It''s a culture thing" (Ritters, '
         'Davis, Mawson and Tricker): the case-study councils aimed to answer 80% of calls within 20 '
         'seconds.',
         localtimestamp),
        ('abandoned', '', 5, 'Institute of Customer Service, "It''s a culture thing" (Ritters, Davis, Mawson '
         'and Tricker): the case-study councils aimed to lose less than 5% of calls.', localtimestamp),
        ('first_contact_resolution', '', 80, 'The Varney Review, as cited in the Institute of Customer '
         'Service''s "It''s a culture thing": 80% of contacts resolved at first contact.', localtimestamp)
        """,
        "DROP TABLE survey_targets",
    ),
)


# Rows whose response id appears earlier in the same file are counted apart from
# rows already held from earlier uploads (rows_duplicate).
REPEATED_ROWS = Migration(
    18,
    "upload batches count rows repeated within their own file",
    ("ALTER TABLE upload_batches ADD COLUMN rows_repeated BIGINT NOT NULL DEFAULT 0",),
)


# The Friends and Family Test's % positive is over every answer, "Don't know" included (DESIGN:
# FFT); `fft` holds only the 1-5 scores, so a "Don't know" is flagged beside it (NULL when the
# survey asked no FFT question). Other measures never read the flag.
FFT_DONT_KNOW = Migration(
    19,
    "responses flag Friends and Family Test answers of Don't know",
    ("ALTER TABLE responses ADD COLUMN fft_dont_know BOOLEAN",),
)
