"""Colour arithmetic for the accessibility tests: WCAG contrast and colour-vision simulation.

Contrast follows WCAG 2.2's definition of relative luminance. Colour-vision
deficiencies are simulated with the full-severity matrices of Machado, Oliveira
and Fernandes (2009), applied in linear RGB; distances are CIE76 ΔE in CIELAB.
"""

from __future__ import annotations

import re

import numpy as np

# Streamlit's default page backgrounds (streamlit config show: theme.backgroundColor).
LIGHT_BACKGROUND = "#FFFFFF"
DARK_BACKGROUND = "#171614"
# The sidebar's defaults, and the dark theme's field background (secondaryBackgroundColor).
LIGHT_SIDEBAR = "#F8F8F7"
DARK_SIDEBAR = "#21201D"
DARK_FIELD = "#2D2B27"

SIMULATIONS = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}
_RGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_D65_WHITE = np.array([0.95047, 1.0, 1.08883])


def parse_colour(colour: str) -> tuple[int, int, int]:
    """'#RRGGBB' or a CSS 'rgb(r, g, b)' / 'rgba(r, g, b, a)' string -> (r, g, b) in 0..255.

    Raises ValueError for anything else (named colours are never expected here).
    """
    colour = colour.strip()
    if re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    match = re.fullmatch(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,\s/]+[\d.]+)?\s*\)", colour)
    if match:
        return tuple(round(float(part)) for part in match.groups())
    raise ValueError(f"Not a colour this test understands: {colour!r}")


def _linear(rgb: tuple[int, int, int]) -> np.ndarray:
    channel = np.array(rgb, dtype=float) / 255
    return np.where(channel <= 0.04045, channel / 12.92, ((channel + 0.055) / 1.055) ** 2.4)


def relative_luminance(colour: str) -> float:
    red, green, blue = _linear(parse_colour(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _lab(linear_rgb: np.ndarray) -> np.ndarray:
    ratio = (_RGB_TO_XYZ @ linear_rgb) / _D65_WHITE
    f = np.where(ratio > 0.008856, np.cbrt(ratio), 7.787 * ratio + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen_with(colour: str, deficiency: str) -> np.ndarray:
    """CIELAB coordinates of `colour` as seen with the named colour-vision deficiency."""
    simulated = np.clip(np.array(SIMULATIONS[deficiency]) @ _linear(parse_colour(colour)), 0, 1)
    return _lab(simulated)


def difference_seen_with(first: str, second: str, deficiency: str) -> float:
    """CIE76 ΔE between two colours as seen with `deficiency`."""
    return float(np.linalg.norm(seen_with(first, deficiency) - seen_with(second, deficiency)))
