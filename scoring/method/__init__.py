"""The scoring method (评分方法) of DESIGN.md, "The scoring method (exact)": a pure package.

Why pure: the API, the pages, the exports and the nightly recompute must all give the same
numbers, and a snapshot must be reproducible from its inputs. So the method takes
aggregates (per-level counts, sums of ledger points) and a scheme, and returns scorecards;
it reads no database, no files, no clock, and imports nothing from Django.

- `core`: the inputs, the scheme's parsing, the exact method, ranks and outcomes;
- `intervals`: the advisory 95% intervals of totals and ranks (floats, resampled);
- `digest`: `inputs_digest`, the hash that says two computations have the same inputs;
- `columns`: a computation's scorecards and inputs as columns, the compact document a snapshot is stored as.

Every name other modules use is importable from `scoring.method` itself.
"""
from .core import (
    APPRAISAL,
    COMMENDED,
    COMPONENT_ORDER,
    INSPECTION,
    LEVELS,
    METHOD_VERSION,
    NONE,
    ORGANIZATIONAL,
    PUBLIC_SURVEY,
    RATING_COMPONENTS,
    REASONS,
    UNRATED,
    WARNED,
    AgencyInput,
    Component,
    InputTable,
    Part,
    Scorecard,
    _compute,
    _exact,
    _parse_scheme,
    _prepare,
    _round_ratio,
    compute,
    input_table,
    round_half_up,
)
from .digest import inputs_digest, table_digest
from .intervals import (
    _lattice_draws,
    _lattice_points,
    _normal_is_close,
    compute_with_intervals,
    intervals_of,
    with_intervals,
)

__all__ = [
    "APPRAISAL", "COMMENDED", "COMPONENT_ORDER", "INSPECTION", "LEVELS", "METHOD_VERSION", "NONE",
    "ORGANIZATIONAL", "PUBLIC_SURVEY", "RATING_COMPONENTS", "REASONS", "UNRATED", "WARNED",
    "AgencyInput", "Component", "InputTable", "Part", "Scorecard", "_compute", "_exact", "_lattice_draws",
    "_lattice_points", "_normal_is_close", "_parse_scheme", "_prepare", "_round_ratio", "compute",
    "compute_with_intervals", "input_table", "inputs_digest", "intervals_of", "round_half_up", "table_digest",
    "with_intervals",
]
