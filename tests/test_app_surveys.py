"""The Trends page scoped to one survey, and the Surveys page changing which surveys are headline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from cx.store import Database

from .apptest import metric, open_page, query
from .test_surveys import FFT_FILE, NOW, govmetric_export, imported  # noqa: F401 (imported: a fixture)


@pytest.fixture
def with_surveys(imported, tmp_path, app_env):  # noqa: F811 (the fixture imported above)
    """The app pointed at a private copy of the demo council holding the FFT and GovMetric surveys."""
    path, _, fft, gov = imported
    copy = Path(shutil.copy(path, tmp_path / "placecx.duckdb"))
    app_env(copy)
    return copy, fft.source, gov.source


def test_trends_for_the_fft_survey_show_its_own_measure_and_say_what_the_filters_cannot_reach(with_surveys):
    path, fft_source, _ = with_surveys
    raw = pd.read_csv(FFT_FILE, dtype=str, keep_default_na=False).drop_duplicates()
    raw["month"] = pd.to_datetime(raw["time"]).dt.to_period("M")
    latest = raw["month"].max()
    month = raw[(raw["month"] == latest) & (raw["rating"] != "Don't know") & (raw["rating"] != "")]
    share = 100 * month["rating"].isin(["Extremely likely", "Likely"]).mean()
    first, last = pd.to_datetime(raw["time"]).min().date(), pd.to_datetime(raw["time"]).max().date()
    at = open_page("pages/trends.py", trends_survey=fft_source, trends_dates=(first, last),
                   trends_section="Contact centre", trends_filters=True)
    card = metric(at, f"FFT, {latest.to_timestamp():%B %Y}")
    assert card.value == f"{share:.0f}%"
    assert "n = " in card.help and "95% interval" in card.help
    service_filter = next(w for w in at.multiselect if w.label == "Service")
    assert set(service_filter.options) == set(raw["surgery"].str.strip()) - {""}  # the demo's are not offered
    assert any("cannot" in c.value and "contact-centre" in c.value for c in at.caption)


def test_surveys_page_marks_a_survey_as_headline(with_surveys):
    path, _, gov_source = with_surveys
    person = query(path, "SELECT person_id FROM people ORDER BY person_id LIMIT 1")[0][0]
    at = open_page("pages/surveys.py", person_id=person)
    listed = next(d.value for d in at.dataframe if "Survey" in d.value.columns)
    assert set(listed["Survey"]) >= {"Friends and family test", "Govmetric feedback 2026"}
    at.selectbox(key="surveys-chosen").set_value(gov_source).run()
    survey_id = query(path, "SELECT survey_id FROM surveys WHERE source = ?", [gov_source])[0][0]
    at.checkbox(key=f"surveys-{survey_id}-headline").check()
    at.text_input(key=f"surveys-{survey_id}-name").set_value("Council GovMetric")
    at.button[0].click().run()
    assert not at.exception
    assert query(path, "SELECT name, headline FROM surveys WHERE source = ?", [gov_source]) == [
        ("Council GovMetric", True)]


def test_upload_page_names_a_new_survey_and_proposes_its_kind(tmp_path, app_env):
    path = tmp_path / "upload.duckdb"
    database = Database(path)
    database.store().people.add("Ann Analyst", None, now=NOW)
    database.close()
    app_env(path)
    at = open_page("pages/upload.py", person_id=1)
    at.file_uploader(key="upload-file").set_value(("govmetric-feedback-2026.csv", govmetric_export(60),
                                                   "text/csv")).run()
    assert not at.exception
    keys = [w.key for w in at.selectbox] + [w.key for w in at.text_input]
    assert at.selectbox(key=next(k for k in keys if k.startswith("upload-role-govmetric-"))).value == "Rating"
    assert at.selectbox(key=next(k for k in keys if k.startswith("upload-survey-kind-"))).value == "govmetric"
    name = at.text_input(key=next(k for k in keys if k.startswith("upload-survey-name-")))
    assert name.value == "Govmetric feedback 2026"
    name.set_value("Customer feedback terminals")
    at.button(key="upload-import-button").click().run()
    assert query(path, "SELECT name, kind, headline FROM surveys") == [
        ("Customer feedback terminals", "govmetric", True)]  # a council's first survey is a headline one
    assert query(path, "SELECT count(govmetric) FROM responses") == [(60,)]
    history = next(d.value for d in at.dataframe if "Survey" in d.value.columns)
    assert history["Survey"].tolist() == ["Customer feedback terminals"]
