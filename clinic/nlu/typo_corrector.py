"""NLU component that reads past visitors' typos ("nevre entrapment", "hedaches").

A misspelled key word costs the classifier most of what it knows about a question: on the
held-out questions with one typo each (staff/typos.py) the assistant answered 0.874
instead of 0.965. Placed after the tokenizer and before the featurizers (config.yml), this
component corrects, for the featurizers only, a word that

* has four letters or more and is not in the training data's vocabulary,
* is not an English or Spanish word either (``protected_words``: the lookup tables of
  spacy-lookups-data, read in training: "light" never becomes "tight", "cancelo" never
  "cancel"), and
* is one edit away from a word of the training vocabulary (a letter dropped, changed or
  added, or two neighbours swapped; never the first letter, and a four-letter word only
  gets a letter back: "nrve" -> "nerve", but "haha" stays): the most frequent such word
  replaces it.

The tokens' text and lemma are replaced (the count featurizers read them) and the corrected
sentence is kept under ``CORRECTED_TEXT`` for the sentence encoders
(clinic/nlu/sentence_featurizer.py, multilingual_featurizer.py). The message's own text
stays as the visitor wrote it: entities, the safety gate, the language, the review and
the transcripts all see the original. The vocabulary (with each word's lemma) and the protected
words are collected in training and saved with the model: nothing else is looked up at run
time.
"""

from __future__ import annotations

import gzip
import json
import logging
import string
from collections import Counter
from typing import (AbstractSet, Any, Callable, Dict, Iterable, List, Mapping, Optional, Set,
                    Text, Tuple, Type)

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinic.language.text import fold

logger = logging.getLogger(__name__)

#: The corrected sentence (not in the parse output) for the sentence encoders.
CORRECTED_TEXT = "clinic_corrected_text"
MIN_LENGTH = 4
#: Longer "words" (a pasted hash, a key held down) are no typo of a training word, and
#: their one-edit strings would number tens of thousands.
MAX_LENGTH = 30
#: Words looked at per message (~0.2 ms each when unknown): a pasted essay of 10,000
#: characters costs no more than a question.
MAX_WORDS = 64
_VOCABULARY_FILE = "vocabulary.json"
_LETTERS = string.ascii_lowercase
#: Lemma tables of spacy-lookups-data whose words are never corrected.
LOOKUP_TABLES = ("en_lemma_lookup.json.gz", "es_lemma_lookup.json.gz")

Vocabulary = Mapping[str, Tuple[int, str]]


def text_for_encoders(message: Message) -> Optional[str]:
    """The text the sentence encoders read: the corrected one when there is one."""
    return message.get(CORRECTED_TEXT) or message.get(TEXT)


def one_edit(word: str) -> Set[str]:
    """Every string one edit away: a letter dropped, swapped with its neighbour, changed
    or added."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    dropped = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changed = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    added = {a + c + b for a, b in splits for c in _LETTERS}
    return (dropped | swapped | changed | added) - {word}


def correction(word: str, vocabulary: Vocabulary,
               protected: AbstractSet[str] = frozenset()) -> Optional[str]:
    """The vocabulary word to read ``word`` as, or None (see the module docstring).

    Args:
        word: a lower-case token.
        vocabulary: training words, each with ``(count, lemma)``.
        protected: real words, never corrected.
    """
    if (not MIN_LENGTH <= len(word) <= MAX_LENGTH or not word.isalpha()
            or word in vocabulary or word in protected):
        return None
    candidates = [
        c for c in one_edit(word)
        if c in vocabulary and c[0] == word[0]
        and (len(word) > MIN_LENGTH or len(c) == len(word) + 1)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda c: (vocabulary[c][0], c))


def lookup_words(name: str) -> Set[str]:
    """Forms and lemmas of one of spacy-lookups-data's lemma tables, with and without
    accents (visitors often type "sesion" for "sesión")."""
    import spacy_lookups_data

    with gzip.open(spacy_lookups_data.get_file(name)) as handle:
        table = json.loads(handle.read())
    words = {str(w).lower() for pair in table.items() for w in pair}
    return words | {fold(w) for w in words}


def protected_words(vocabulary: Iterable[str],
                    known: Optional[Callable[[str], bool]] = None) -> Set[str]:
    """Real words one edit from a vocabulary word (and not in it): what ``correction``
    must leave alone. ``known`` defaults to the words of ``LOOKUP_TABLES``."""
    words = set(vocabulary)
    if known is None:
        real: Set[str] = set()
        for name in LOOKUP_TABLES:
            real |= lookup_words(name)
        known = real.__contains__
    near: Set[str] = set()
    for word in words:
        near |= one_edit(word)
    return {w for w in near - words if known(w)}


def vocabulary_of(messages: Iterable[Message]) -> Dict[str, Tuple[int, str]]:
    """Lower-case alphabetic token texts of the messages: ``(count, lemma)`` each."""
    counts: Counter = Counter()
    lemmas: Dict[str, str] = {}
    for message in messages:
        for token in message.get(TOKENS_NAMES[TEXT]) or []:
            word = token.text.lower()
            if word.isalpha():
                counts[word] += 1
                lemmas.setdefault(word, (token.lemma or word).lower())
    return {word: (count, lemmas[word]) for word, count in counts.items()}


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class TypoCorrector(GraphComponent):
    """Corrects misspelled words for the featurizers (see the module docstring)."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Tokens to correct."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Nothing to configure."""
        return {}

    def __init__(self, model_storage: ModelStorage, resource: Resource,
                 vocabulary: Optional[Vocabulary] = None,
                 protected: Iterable[str] = ()) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary: Dict[str, Tuple[int, str]] = dict(vocabulary or {})
        self.protected = frozenset(protected)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "TypoCorrector":
        """An untrained corrector (corrects nothing)."""
        return cls(model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "TypoCorrector":
        """The vocabulary saved in training (none: corrects nothing)."""
        try:
            with model_storage.read_from(resource) as directory:
                data = json.loads((directory / _VOCABULARY_FILE).read_text(encoding="utf-8"))
            vocabulary = {str(w): (int(c), str(lemma))
                          for w, (c, lemma) in data["vocabulary"].items()}
            protected = [str(w) for w in data["protected"]]
        except (ValueError, OSError, KeyError, TypeError):
            logger.warning("no typo vocabulary in the model: typos are not corrected")
            return cls(model_storage, resource)
        return cls(model_storage, resource, vocabulary, protected)

    def train(self, training_data: TrainingData) -> Resource:
        """Collects and saves the vocabulary and the protected words."""
        self.vocabulary = vocabulary_of(training_data.training_examples)
        self.protected = frozenset(protected_words(self.vocabulary))
        data = {"vocabulary": self.vocabulary, "protected": sorted(self.protected)}
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _VOCABULARY_FILE).write_text(json.dumps(data, sort_keys=True),
                                                      encoding="utf-8")
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        """Corrects the misspelled tokens of each message (see the module docstring)."""
        if self.vocabulary:
            for message in messages:
                self._correct(message)
        return messages

    def _correct(self, message: Message) -> None:
        text = message.get(TEXT)
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        if not isinstance(text, str):
            return
        pieces, last = [], 0
        for token in tokens[:MAX_WORDS]:
            word = correction(token.text.lower(), self.vocabulary, self.protected)
            if word is None:
                continue
            token.text, token.lemma = word, self.vocabulary[word][1]
            pieces += [text[last:token.start], word]
            last = token.end
        if pieces:
            message.set(CORRECTED_TEXT, "".join(pieces) + text[last:])
