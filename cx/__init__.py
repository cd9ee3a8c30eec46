"""PlaceCX domain package: storage, metrics, charts and demo data, with no Streamlit import."""

__version__ = "0.1.0"
