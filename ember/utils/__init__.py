"""ember.utils: data loading, benchmark timers, pytrees."""
from . import data, benchmark  # noqa: F401
