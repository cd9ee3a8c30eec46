from pathlib import Path

import pytest

from cx.config import DEFAULT_DB_PATH, DEFAULT_MIN_N, Settings


def test_defaults_when_nothing_is_set():
    settings = Settings.load(secrets={}, environ={})
    assert settings == Settings(DEFAULT_DB_PATH, True, DEFAULT_MIN_N)
    assert settings.db_path.name == "placecx.duckdb" and settings.db_path.parent.name == "data"


def test_secrets_override_defaults_and_environment_overrides_secrets():
    secrets = {"db_path": "/srv/a.duckdb", "demo": False, "min_n": 50}
    assert Settings.load(secrets, environ={}) == Settings(Path("/srv/a.duckdb"), False, 50)
    environ = {"PLACECX_DB": "/srv/b.duckdb", "PLACECX_DEMO": "1", "PLACECX_MIN_N": "10"}
    assert Settings.load(secrets, environ) == Settings(Path("/srv/b.duckdb"), True, 10)


@pytest.mark.parametrize("word, expected", [("0", False), ("off", False), ("no", False),
                                            ("1", True), ("TRUE", True), ("yes", True)])
def test_demo_switch_words(word, expected):
    assert Settings.load({}, {"PLACECX_DEMO": word}).demo is expected


@pytest.mark.parametrize("environ, message", [
    ({"PLACECX_DEMO": "maybe"}, "PLACECX_DEMO must be 1 or 0"),
    ({"PLACECX_MIN_N": "abc"}, "PLACECX_MIN_N must be a whole number"),
    ({"PLACECX_MIN_N": "0"}, "PLACECX_MIN_N must be at least 1"),
])
def test_bad_values_are_refused_by_name(environ, message):
    with pytest.raises(ValueError, match=message):
        Settings.load({}, environ)


@pytest.mark.parametrize("environ, secrets, expected", [
    ({}, {}, Path("/srv/p.duckdb.inbox")),
    ({"PLACECX_INBOX": "/drop/here"}, {"inbox": "/not/this"}, Path("/drop/here")),
    ({}, {"inbox": "/from/secrets"}, Path("/from/secrets")),
    ({"PLACECX_INBOX": "off"}, {}, None),
    ({}, {"inbox": False}, None),
    ({"PLACECX_INBOX": ""}, {}, Path("/srv/p.duckdb.inbox")),
])
def test_the_inbox_folder_defaults_beside_the_database_and_can_be_moved_or_switched_off(
        environ, secrets, expected):
    settings = Settings.load(secrets, {"PLACECX_DB": "/srv/p.duckdb", **environ})
    assert settings.inbox_folder() == expected
