"""The toolkit's framework as codes with labels: building blocks, roadmap stages, heat-map levels.

Codes are what the database stores and what code compares; labels are what people
read. Every level also has a word, a symbol, a fill colour, a text colour and a
bar-chart pattern, so a level never depends on colour alone: the map still reads
in greyscale (the fills step from light to dark) and for colour-blind viewers
(a pale tint of sky blue, orange and vermilion from the Okabe-Ito palette).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    """A building block of a customer-centred organisation."""

    code: str
    label: str
    short: str  # one word, for small charts
    question: str  # what the block asks of a council, in a sentence


@dataclass(frozen=True)
class Stage:
    """A stage of the roadmap; `order` runs from 1 (first) to 3 (last)."""

    code: str
    label: str
    short: str  # one word, for small charts
    order: int
    summary: str


@dataclass(frozen=True)
class Level:
    """A heat-map rating. `score` orders levels: higher is better (3 = strength)."""

    code: str
    word: str
    symbol: str
    score: int
    meaning: str
    fill: str  # background colour, "#RRGGBB"
    text_colour: str  # colour of text on that fill (contrast 4.5:1 or more)
    pattern: str  # plotly bar pattern shape ("" = solid)

    @property
    def tag(self) -> str:
        """Symbol and word together, e.g. '! Critical focus': the short form used on charts."""
        return f"{self.symbol} {self.word}"


BLOCKS: tuple[Block, ...] = (
    Block("collaboration", "Collaboration and integrated services", "Collaboration",
          "Do teams and partner agencies work as one around the customer?"),
    Block("branding", "Branding and shared values", "Branding",
          "Do customers and staff know what the council stands for and what to expect?"),
    Block("data", "Data-driven transformation", "Data",
          "Do customer and staff data shape how services are designed and improved?"),
    Block("employees", "Employee empowerment", "Employees",
          "Are front-line staff equipped and trusted to do right by customers?"),
    Block("culture", "Culture change and leadership", "Culture",
          "Do leaders model and steer a culture built around the customer?"),
)

STAGES: tuple[Stage, ...] = (
    Stage("basics", "Fix the basics", "Basics", 1,
          "Find out how services perform today, deal first with the problems customers meet "
          "most often, and bring staff into the work."),
    Stage("consistency", "Deliver consistently", "Consistency", 2,
          "Watch performance continuously so that every customer gets the same good service, "
          "whatever the channel, and build staff skills to match."),
    Stage("excellence", "Customer excellence", "Excellence", 3,
          "Design services with customers, tailor them to the person, and trust staff to "
          "go further for customers."),
)

LEVELS: tuple[Level, ...] = (
    Level("strength", "Strength", "✓", 3,
          "Substantial work is under way here and it is paying off.",
          "#CFE6F6", "#000000", ""),
    Level("progress", "Some progress", "◐", 2,
          "Some progress made, with more to do and some key priorities still open.",
          "#E69F00", "#000000", "/"),
    Level("critical", "Critical focus", "!", 1,
          "A known challenge that the team treats as a critical area of focus.",
          "#D55E00", "#000000", "x"),
)

BLOCK_BY_CODE: dict[str, Block] = {b.code: b for b in BLOCKS}
STAGE_BY_CODE: dict[str, Stage] = {s.code: s for s in STAGES}
LEVEL_BY_CODE: dict[str, Level] = {lv.code: lv for lv in LEVELS}
LEVEL_BY_SCORE: dict[int, Level] = {lv.score: lv for lv in LEVELS}

# The 15 cells of the heat map, (block code, stage code), blocks in toolkit order.
CELLS: tuple[tuple[str, str], ...] = tuple((b.code, s.code) for b in BLOCKS for s in STAGES)


def cell_label(block: str, stage: str) -> str:
    """'Employee empowerment – Fix the basics'. Raises KeyError for an unknown code."""
    return f"{BLOCK_BY_CODE[block].label} – {STAGE_BY_CODE[stage].label}"
