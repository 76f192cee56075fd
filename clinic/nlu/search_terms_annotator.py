"""NLU component that hands each message's search terms to the action server.

Adds ``parse_data["search_terms"]``: the message's lemmas without stop words
(clinic/nlp/search_terms.py), e.g. "What are trigger points?" -> ``["trigger", "point"]``.
The action server's content search reads them there instead of loading spaCy itself
(issue 20: the action server's memory). It reuses the doc SpacyNLP already made for the
tokenizer when that doc is of the lower-cased text (``case_sensitive: false`` in
config.yml); otherwise it lemmatizes the lower-cased text once more.

Not trainable and not run on the training data: it only annotates messages being parsed.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from clinic.nlp.search_terms import PARSE_KEY, terms_of_doc


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False, model_from="SpacyNLP"
)
class SearchTermsAnnotator(GraphComponent):
    """Adds each message's search terms to its parse data (see the module docstring)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """The spaCy pipeline (SpacyNLP) makes the docs and provides the model."""
        return [SpacyNLP]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Nothing to configure."""
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SearchTermsAnnotator":
        """Nothing to load: the spaCy model comes with each ``process`` call."""
        return cls()

    def process(self, messages: List[Message], model: SpacyModel) -> List[Message]:
        """Annotates each message that has a text."""
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str):
                continue
            lower = text.lower()
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None or doc.text != lower:
                doc = model.model(lower)
            message.set(PARSE_KEY, terms_of_doc(doc), add_to_output=True)
        return messages
