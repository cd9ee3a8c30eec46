"""PlaceCX entry point and the only router: `streamlit run app.py`."""

import streamlit as st

import cx_ui

# No page_title here: each page's own title becomes the browser-tab title.
st.set_page_config(page_icon=":material/insights:", layout="wide")

# The one page list, grouped into the sections of the programme. Only pages that
# work are listed; a section with no pages is left out of the navigation.
PAGES = {
    "Overview": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:",
                url_path="overview", default=True),
    ],
    "Programme": [
        st.Page("pages/heat_map.py", title="Heat map", icon=":material/grid_on:", url_path="heat-map"),
        st.Page("pages/heat_map_present.py", title="Heat map presentation", icon=":material/present_to_all:",
                url_path="heat-map-presentation"),
        st.Page("pages/roadmap.py", title="Roadmap", icon=":material/timeline:", url_path="roadmap"),
    ],
    "Evidence": [
    ],
    "Leadership": [
        # File names differ from url_paths on purpose: when they match, Streamlit's legacy
        # pages/ routing runs the file directly first, and cx_ui's re-run through the
        # router then swallows a button click in AppTest.
        st.Page("pages/leadership_checklist.py", title="Leadership checklist", icon=":material/checklist:",
                url_path="checklist"),
        st.Page("pages/culture_change.py", title="Culture change", icon=":material/diversity_3:",
                url_path="culture"),
        st.Page("pages/journey_maps.py", title="Journey maps", icon=":material/route:", url_path="journeys"),
    ],
}

page = st.navigation({section: pages for section, pages in PAGES.items() if pages})
with st.sidebar:
    config = cx_ui.settings()
    st.caption(f"PlaceCX · database file: {config.db_path.name}")
page.run()
