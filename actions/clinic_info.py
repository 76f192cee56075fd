"""Access to the clinic's configuration from inside actions (loaded once, lazily)."""

from __future__ import annotations

from clinic.config import ClinicConfig, cached_clinic_config
from clinic.settings import Settings


def clinic_config() -> ClinicConfig:
    """The clinic's ``clinic.yml``, as configured by ``CLINIC_CONFIG``."""
    return cached_clinic_config(str(Settings.from_env().clinic_config))
