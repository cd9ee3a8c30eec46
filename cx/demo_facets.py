"""The demo council's facet questions, with known (planted) effects on satisfaction.

In the last twelve months of the demo, about one response in seven also rates
four parts of the service from 1 (very poor) to 5 (very good). Each facet is a
noisy reading of the same hidden satisfaction that drives the overall scores,
with a planted strength (`PLANTED_LOADINGS`): being kept informed tracks it
most closely, the online form least. The Key drivers page should therefore rank
the facets in that order. A generator of its own keeps the rest of the demo's
random numbers (and so all its other figures) unchanged.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FACET_SEED = 20_261_202
FACET_SHARE = 0.15
# Facet -> correlation with the hidden satisfaction (before rounding to 1-5).
PLANTED_LOADINGS: dict[str, float] = {
    "Being kept informed": 0.75,
    "Speed of response": 0.55,
    "Staff helpfulness": 0.35,
    "Ease of the online form": 0.15,
}
_CUTS = (-1.3, -0.5, 0.3, 1.1)


def add_facet_answers(frame: pd.DataFrame, latent: np.ndarray) -> pd.DataFrame:
    """Add the facet ratings to a share of the last year's responses, as imported attributes.

    `frame` holds the demo responses with `completed_at`, `extra_keys` and
    `extra_values` (lists); `latent` is each response's hidden satisfaction.
    Returns a copy whose chosen rows carry the four facets after their existing
    attributes.
    """
    rng = np.random.default_rng(FACET_SEED)
    latest = frame["completed_at"].max()
    recent = (frame["completed_at"] > latest - pd.DateOffset(months=12)).to_numpy()
    chosen = recent & (rng.random(len(frame)) < FACET_SHARE)
    standard = (latent - latent.mean()) / latent.std()
    ratings = {
        name: 1 + np.searchsorted(_CUTS, loading * standard
                                  + np.sqrt(1 - loading**2) * rng.normal(0, 1, len(frame)))
        for name, loading in PLANTED_LOADINGS.items()
    }
    keys, values = list(frame["extra_keys"]), list(frame["extra_values"])
    names = list(PLANTED_LOADINGS)
    for row in np.flatnonzero(chosen):
        keys[row] = [*keys[row], *names]
        values[row] = [*values[row], *(str(int(ratings[name][row])) for name in names)]
    result = frame.copy()
    result["extra_keys"] = keys
    result["extra_values"] = values
    return result
