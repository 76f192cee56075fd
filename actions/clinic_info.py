"""Access to the clinic's configuration from inside actions (loaded once, lazily).

``contact_sentence`` is the one place every action gets the clinic's contact details as a
sentence in the conversation's language (the booking form, short replies, curated answers,
"talk to a person"). The Spanish sentence is built from the ``faq.contact_*`` texts of
clinic/language/messages.yml, the same texts the Spanish FAQ answers use, so all Spanish
replies say it the same way. Pure apart from reading that file once: nothing here imports
the booking package or any action module that imports this one.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Dict, Optional

import yaml

from actions.faq_replies import FAQ_MESSAGES_KEY, spanish_contact
from clinic.config import ClinicConfig, cached_clinic_config
from clinic.language.messages import MESSAGES_PATH
from clinic.settings import Settings

SPANISH = "es"


def clinic_config() -> ClinicConfig:
    """The clinic's ``clinic.yml``, as configured by ``CLINIC_CONFIG``."""
    return cached_clinic_config(str(Settings.from_env().clinic_config))


@lru_cache(maxsize=1)
def _contact_texts() -> Dict[str, str]:
    """The ``faq`` texts of clinic/language/messages.yml (contact_call, contact_missing, …)."""
    data = yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8")) or {}
    return dict(data.get(FAQ_MESSAGES_KEY) or {})


def contact_sentence(config: ClinicConfig, language: Optional[str] = None) -> str:
    """``ClinicConfig.contact_sentence`` in the conversation's language.

    The Spanish one says the same as the English one: whichever of phone, e-mail and
    address the clinic has configured (the values themselves as written in clinic.yml),
    or that they are not set up in this chat yet. Nothing is ever made up.
    """
    if language != SPANISH:
        return config.contact_sentence()
    return spanish_contact(
        _contact_texts(),
        config.public("clinic", "phone"),
        config.public("clinic", "email"),
        config.public("clinic", "address"),
    )
