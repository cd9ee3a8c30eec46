"""Schema steps for reviewing the programme: meetings and decisions, baselines and impact,
journey steps linked to the actions made from them."""

from cx.schema.step import Migration

# Quarterly review meetings: what each reviewed (a heat-map round, a survey period),
# who came, and the decisions taken, each linked to the roadmap action it created or
# changed. No FOREIGN KEY clauses (see LEADERSHIP); cx.meetings checks ids.
MEETINGS = Migration(
    12,
    "review meetings: attendees, the round and period reviewed, decisions and their actions",
    (
        "CREATE SEQUENCE meeting_seq START 1",
        """
        CREATE TABLE meetings (
            meeting_id   INTEGER PRIMARY KEY DEFAULT nextval('meeting_seq'),
            held_on      DATE NOT NULL,
            title        VARCHAR NOT NULL CHECK (length(trim(title)) > 0),
            round_id     INTEGER,
            period_start DATE,
            period_grain VARCHAR NOT NULL DEFAULT 'month' CHECK (period_grain IN ('month', 'quarter')),
            notes        VARCHAR,
            created_at   TIMESTAMP NOT NULL,
            created_by   INTEGER,
            updated_at   TIMESTAMP NOT NULL,
            updated_by   INTEGER
        )
        """,
        """
        CREATE TABLE meeting_attendees (
            meeting_id INTEGER NOT NULL,
            person_id  INTEGER NOT NULL,
            PRIMARY KEY (meeting_id, person_id)
        )
        """,
        "CREATE SEQUENCE meeting_decision_seq START 1",
        """
        CREATE TABLE meeting_decisions (
            decision_id INTEGER PRIMARY KEY DEFAULT nextval('meeting_decision_seq'),
            meeting_id  INTEGER NOT NULL,
            text        VARCHAR NOT NULL CHECK (length(trim(text)) > 0),
            action_id   INTEGER,
            effect      VARCHAR CHECK (effect IN ('created', 'changed')),
            recorded_at TIMESTAMP NOT NULL,
            recorded_by INTEGER
        )
        """,
    ),
)


BASELINES = Migration(
    13,
    "roadmap impact: the services and channels an action covers, when it was done, its baselines",
    (
        # Empty lists: the action covers every service / every channel.
        "ALTER TABLE roadmap_actions ADD COLUMN services VARCHAR[] NOT NULL DEFAULT []",
        "ALTER TABLE roadmap_actions ADD COLUMN channels VARCHAR[] NOT NULL DEFAULT []",
        # The day the status last moved to done (NULL: not done, or done before this step).
        "ALTER TABLE roadmap_actions ADD COLUMN finished_on DATE",
        # The measure over the window before an action started, stored as counts when it
        # was recorded, so that importing old data later does not move it silently. Two
        # rows per action: the services and channels it covers ('action') and, over the
        # same channels and dates, the services it does not touch ('comparison').
        """
        CREATE TABLE roadmap_baselines (
            action_id      INTEGER NOT NULL,
            grp            VARCHAR NOT NULL CHECK (grp IN ('action', 'comparison')),
            metric         VARCHAR NOT NULL,
            services       VARCHAR[] NOT NULL,
            channels       VARCHAR[] NOT NULL,
            window_start   DATE NOT NULL,
            window_end     DATE NOT NULL,
            responses      BIGINT NOT NULL,
            nps_n          BIGINT NOT NULL,
            promoters      BIGINT NOT NULL,
            detractors     BIGINT NOT NULL,
            csat_n         BIGINT NOT NULL,
            csat_satisfied BIGINT NOT NULL,
            ces_n          BIGINT NOT NULL,
            ces_sum        DOUBLE NOT NULL,
            ces_sumsq      DOUBLE NOT NULL,
            recorded_at    TIMESTAMP NOT NULL,
            recorded_by    INTEGER,
            PRIMARY KEY (action_id, grp),
            CHECK (window_end >= window_start)
        )
        """,
    ),
)


# Journeys into actions: a journey step keeps one key through renames, moves and
# edits of the map, so a roadmap action made from its opportunity can point back to
# it. The link lives beside the action (one per action) and names the journey by
# id, so renaming either side keeps it. A journey may name the service it belongs
# to, so its steps can show that service's measured satisfaction per channel.
JOURNEY_ACTIONS = Migration(
    15,
    "journeys into actions: stable step keys, action links, a journey's service",
    (
        "ALTER TABLE journey_steps ADD COLUMN step_key VARCHAR",
        "UPDATE journey_steps SET step_key = CAST(uuid() AS VARCHAR)",
        "ALTER TABLE journeys ADD COLUMN service VARCHAR",
        """
        CREATE TABLE roadmap_action_journeys (
            action_id    INTEGER PRIMARY KEY,
            journey_id   INTEGER NOT NULL,
            version      VARCHAR NOT NULL CHECK (version IN ('as_is', 'to_be')),
            step_key     VARCHAR NOT NULL,
            step_name    VARCHAR NOT NULL,
            opportunity  VARCHAR,
            linked_at    TIMESTAMP NOT NULL,
            linked_by    INTEGER
        )
        """,
    ),
)
