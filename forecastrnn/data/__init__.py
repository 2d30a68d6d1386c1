"""Reading and validating time-series data into a panel (``unique_id, ds, y``).

Validation happens once, here, where data enters: after :func:`read_panel` every function may
assume a panel sorted by (``unique_id``, ``ds``), without duplicates, with finite ``y`` and one
frequency (``panel.attrs['freq']``).
"""

from ._calendar import forecast_times, season_length_for, season_lengths_for, step_numbers
from ._frequency import Freq, describe_freq, format_time
from ._missing import MISSING_POLICIES, FilledValuesWarning
from ._panel import check_min_length, describe_panel, panel_freq, read_panel

__all__ = [
    "MISSING_POLICIES",
    "FilledValuesWarning",
    "Freq",
    "check_min_length",
    "describe_freq",
    "describe_panel",
    "forecast_times",
    "format_time",
    "panel_freq",
    "read_panel",
    "season_length_for",
    "season_lengths_for",
    "step_numbers",
]
