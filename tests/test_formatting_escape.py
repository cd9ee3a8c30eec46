"""Dates in words, and user text made literal for Streamlit's Markdown."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from cx.formatting import escape_markdown, format_date


def test_dates_read_the_uk_way_without_a_leading_zero():
    assert format_date(date(2026, 10, 9)) == "9 October 2026"


def test_markdown_html_latex_and_directives_are_escaped():
    assert escape_markdown("**Q1** :red[x] <b>$5</b> #1") == (
        r"\*\*Q1\*\* \:red\[x\] \<b\>\$5\</b\> \#1")
    assert escape_markdown("Q4 2026 review") == "Q4 2026 review"


@given(st.text(max_size=40))
def test_removing_the_escapes_gives_back_the_text(text):
    escaped = escape_markdown(text)
    out, index = [], 0
    while index < len(escaped):
        if escaped[index] == "\\":
            index += 1
        out.append(escaped[index])
        index += 1
    assert "".join(out) == text
