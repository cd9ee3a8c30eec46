"""The Upload page after issue 15: sample values beside the mapping, repeats counted apart, no "None"."""

from __future__ import annotations

from .apptest import messages, query, table
from .test_app_upload import empty_db, page, upload  # noqa: F401  (empty_db is a fixture)
from .test_import_results import repeating_survey
from .test_upload_import import HEADER


def test_samples_repeats_and_blank_history_cells(empty_db):  # noqa: F811
    content = repeating_survey(["A", "B", "A", "*C*", "B"])
    at = upload(page(), content)
    samples = table(at, "Column", "Sample values").set_index("Column")["Sample values"]
    assert list(samples.index) == HEADER
    # The file's own text, literally, in file order, each value once.
    assert samples["Response ID"] == "A | B | *C*"
    assert samples["Likely to recommend"] == "9"
    at.button(key="upload-import-button").click().run()
    assert messages(at.success) == [
        "Upload 1 imported: 3 new rows, 0 already held, 2 repeated within the file, 0 rejected."]
    assert query(empty_db, "SELECT count(*) FROM responses") == [(3,)]
    history = table(at, "Upload", "File")
    assert history.loc[0, ["New", "Already held", "Repeated in file", "Rejected"]].tolist() == [3, 0, 2, 0]
    assert history.loc[0, "Uploaded by"] == "Ann Analyst"
    cells = history.astype(str).to_numpy().ravel().tolist()
    assert "None" not in cells and "nan" not in cells
