"""The ordered list of schema steps, kept by feature in this package.

To change the schema, add a `Migration` with the next free number to the module of its
feature and append it here; never edit or renumber one that has shipped, because
databases in the field have recorded it by number and name.
"""

from cx.schema.follow_up import CASES, THEMES
from cx.schema.programme import ASSESSMENT, LEADERSHIP, ROADMAP
from cx.schema.review import BASELINES, JOURNEY_ACTIONS, MEETINGS
from cx.schema.step import Migration
from cx.schema.surveys import (
    APP_META,
    CORE_TABLES,
    FFT_DONT_KNOW,
    PEOPLE,
    REPEATED_ROWS,
    SURVEYS,
    TARGETS,
    UPLOADS,
)
from cx.schema.team import ACCESS, CHANGE_LOG, INBOX

__all__ = ["MIGRATIONS", "Migration"]

# Append new migrations at the end of this tuple, numbered in order.
MIGRATIONS: tuple[Migration, ...] = (
    CORE_TABLES,
    APP_META,
    PEOPLE,
    TARGETS,
    UPLOADS,
    ASSESSMENT,
    ROADMAP,
    LEADERSHIP,
    CHANGE_LOG,
    INBOX,
    ACCESS,
    MEETINGS,
    BASELINES,
    CASES,
    JOURNEY_ACTIONS,
    THEMES,
    SURVEYS,
    REPEATED_ROWS,
    FFT_DONT_KNOW,
)
