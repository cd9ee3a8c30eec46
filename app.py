"""PlaceCX entry point and the only router: `streamlit run app.py`."""

from pathlib import Path

import streamlit as st

import cx_ui
from cx_ui import identity, uploads

# No page_title here: each page's own title becomes the browser-tab title. The icon is a
# file of our own, served by the app: a Material icon here would be fetched from a font host.
st.set_page_config(page_icon=str(Path(__file__).with_name("cx_ui") / "favicon.png"), layout="wide")

# The one page list, grouped into the sections of the programme. Only pages that
# work are listed; a section with no pages is left out of the navigation. Each
# page's url_path is its file name without ".py" (see cx_ui._run_through_router).
PAGES = {
    "Overview": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:",
                url_path="home", default=True),
        st.Page("pages/present.py", title="Presentation", icon=":material/slideshow:", url_path="present"),
        st.Page("pages/accessibility.py", title="Accessibility statement", icon=":material/accessibility:",
                url_path="accessibility"),
    ],
    "Programme": [
        st.Page("pages/heat_map.py", title="Heat map", icon=":material/grid_on:", url_path="heat_map"),
        st.Page("pages/heat_map_presentation.py", title="Heat map presentation",
                icon=":material/present_to_all:", url_path="heat_map_presentation"),
        st.Page("pages/roadmap.py", title="Roadmap", icon=":material/timeline:", url_path="roadmap"),
        st.Page("pages/meetings.py", title="Meetings", icon=":material/groups:", url_path="meetings"),
    ],
    "Evidence": [
        st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
        st.Page("pages/follow_up.py", title="Follow-up", icon=":material/call:", url_path="follow_up"),
        st.Page("pages/drivers.py", title="Key drivers", icon=":material/key:", url_path="drivers"),
        st.Page("pages/themes.py", title="Themes", icon=":material/topic:", url_path="themes"),
        st.Page("pages/upload.py", title="Upload survey exports", icon=":material/upload_file:",
                url_path="upload"),
        st.Page("pages/surveys.py", title="Surveys", icon=":material/fact_check:", url_path="surveys"),
    ],
    "Leadership": [
        st.Page("pages/checklist.py", title="Leadership checklist", icon=":material/checklist:",
                url_path="checklist"),
        st.Page("pages/culture.py", title="Culture change", icon=":material/diversity_3:",
                url_path="culture"),
        st.Page("pages/journeys.py", title="Journey maps", icon=":material/route:", url_path="journeys"),
    ],
    "Admin": [
        st.Page("pages/people.py", title="People", icon=":material/group:", url_path="people"),
        st.Page("pages/audit.py", title="Audit trail", icon=":material/history:", url_path="audit"),
    ],
}

cx_ui.style_focus()
# Who is using PlaceCX decides which pages exist for them; with sign-in configured,
# someone not signed in (or not known) sees only the page that says so.
me = identity.establish(cx_ui.system_store())
SECTIONS = {section: shown for section, pages in PAGES.items()
            if (shown := [p for p in pages if me.reaches(p.url_path)])}
# The menu is drawn with page links rather than Streamlit's own sectioned menu,
# whose list markup screen readers cannot follow (docs/accessibility.md).
# The default page answers at "/" only (its url_path, "home", is reserved but not served);
# /overview is a hidden second address for it, so a bookmark or a typed address opens the
# Overview rather than a "Page not found" dialog.
OVERVIEW_ADDRESS = st.Page("pages/overview.py", title="Overview", url_path="overview", visibility="hidden")
routes = dict(SECTIONS)
routes["Overview"] = [*routes.get("Overview", []), OVERVIEW_ADDRESS]
page = st.navigation(routes, position="hidden")
if page.url_path != "upload":
    # Streamlit forgets the uploader's value on other pages but keeps the file it received.
    uploads.forget()
with st.sidebar:
    for section, pages in SECTIONS.items():
        st.markdown(f"**{section}**")
        for listed in pages:
            st.page_link(listed)
    st.divider()
    config = cx_ui.settings()
    st.caption(f"PlaceCX · database file: {config.db_path.name}")
    cx_ui.keyboard_aids()
page.run()
