"""Accessibility statement: how accessible PlaceCX is, what is checked, how to report a problem."""

import streamlit as st

import cx_ui
from cx.accessibility import statement_markdown

cx_ui.page_title("Accessibility statement")
st.markdown(statement_markdown(cx_ui.settings().accessibility_contact))
