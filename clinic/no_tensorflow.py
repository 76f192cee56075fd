"""Runs the Rasa server without loading TensorFlow when no component of the model needs it.

Rasa 3.6 imports TensorFlow while it imports its own modules (``rasa.core.agent`` ->
policies -> ``rasa.utils.tensorflow``), whatever the model: about 350 MB of the Rasa
server's memory (998 -> 636 MiB after make bench-compare's load) and 3-4 s of its start-up
here (issue 20). Nothing in this project's pipeline or policies runs TensorFlow
(config.yml: spaCy, count vectors, two sentence encoders on onnxruntime and NumPy, logistic
regression, rule and memoization policies).

``install()`` puts a stand-in for the ``tensorflow`` package in front of Python's import
system before Rasa is imported. Any attribute of it is a *placeholder class*: Rasa's modules
can subclass it (``class RasaTrainingLogger(tf.keras.callbacks.Callback)``), name it in type
hints and ``isinstance`` checks (always False), and import submodules of it. *Calling* a
placeholder (running any TensorFlow operation, creating a Keras model) raises
``TensorFlowNotLoaded``, naming the way out (``CLINIC_TENSORFLOW=always``): a model that
needs TensorFlow fails to load loudly instead of misbehaving. The only calls answered are
the device queries Rasa makes at start-up (no GPU here).

``tensorflow_needed`` decides from config.yml: only components known to run without
TensorFlow (Rasa's listed in ``TF_FREE`` and the project's own ``clinic.*``) let the stand-in
in. ``clinic.rasa_main`` installs it for ``run``, ``shell`` and ``train`` (the same model:
a test trains a small project both ways and compares); ``rasa test`` and the staff tools that
load a model in-process always load the real TensorFlow.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import logging
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, Iterable, Optional, Sequence

import yaml

logger = logging.getLogger(__name__)

#: Environment switch: ``auto`` (default: stand-in when config.yml allows) or ``always``.
ENV_KEY = "CLINIC_TENSORFLOW"
#: Top-level packages the stand-in replaces.
PACKAGES = ("tensorflow", "tensorflow_addons", "tensorflow_hub", "tensorflow_text", "keras")
#: Rasa components and policies that never call TensorFlow.
TF_FREE = frozenset(
    """SpacyNLP SpacyTokenizer SpacyEntityExtractor WhitespaceTokenizer RegexFeaturizer
    CountVectorsFeaturizer LexicalSyntacticFeaturizer EntitySynonymMapper FallbackClassifier
    LogisticRegressionClassifier KeywordIntentClassifier RegexEntityExtractor
    RulePolicy MemoizationPolicy AugmentedMemoizationPolicy""".split()
)
#: Calls answered without TensorFlow: Rasa asks for devices while starting.
_ANSWERED = {
    "tensorflow.config.get_visible_devices": [],
    "tensorflow.config.list_physical_devices": [],
    "tensorflow.config.experimental.list_physical_devices": [],
}


class TensorFlowNotLoaded(RuntimeError):
    """A TensorFlow operation was called in a process running without TensorFlow."""


class _Placeholder(type):
    """Metaclass of the placeholder classes (see the module docstring)."""

    def __getattr__(cls, name: str) -> Any:
        path = cls.__dict__.get("_tf_path")
        if path is None or (name.startswith("__") and name.endswith("__")):
            raise AttributeError(name)
        return placeholder(f"{path}.{name}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        path = _path_of(cls)
        if path in _ANSWERED:
            return list(_ANSWERED[path])
        raise TensorFlowNotLoaded(
            f"{path} was called, but this Rasa server runs without TensorFlow because "
            f"config.yml names no component that needs it (clinic/no_tensorflow.py). "
            f"Set {ENV_KEY}=always to load TensorFlow."
        )


def _path_of(cls: type) -> str:
    for klass in cls.__mro__:
        path = klass.__dict__.get("_tf_path")
        if path is not None:
            return path if klass is cls else f"{path} (subclass {cls.__qualname__})"
    return cls.__qualname__


_placeholders: Dict[str, type] = {}


def placeholder(path: str) -> type:
    """The placeholder class standing for ``path`` (one per path)."""
    if path not in _placeholders:
        name = path.rsplit(".", 1)[-1]
        _placeholders[path] = _Placeholder(name, (), {"_tf_path": path, "__module__": path})
    return _placeholders[path]


class _StandInModule(ModuleType):
    """A TensorFlow (sub)package whose attributes are placeholders."""

    __clinic_stand_in__ = True

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return placeholder(f"{self.__name__}.{name}")


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers imports of ``PACKAGES`` (and their submodules) with stand-in modules."""

    def find_spec(self, fullname: str, path: Optional[Sequence[str]] = None,
                  target: Optional[ModuleType] = None) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname.split(".")[0] in PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = _StandInModule(spec.name)
        module.__path__ = []  # a package: submodules import too
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run."""


def is_stand_in(module: Any) -> bool:
    """True for the stand-in (``clinic.nlu.minilm`` then skips its TensorFlow backend)."""
    return bool(getattr(type(module), "__clinic_stand_in__", False))


def component_names(config_path: Path) -> Iterable[str]:
    """The ``name`` of every pipeline component and policy in a Rasa config file."""
    config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}
    for section in ("pipeline", "policies"):
        for item in config.get(section) or []:
            yield str((item or {}).get("name", ""))


def tensorflow_needed(config_path: Path, environ: Optional[Dict[str, str]] = None) -> bool:
    """True unless every component of ``config_path`` is known to run without TensorFlow
    (or ``CLINIC_TENSORFLOW=always``). An unreadable config counts as needing it."""
    env = os.environ if environ is None else environ
    if env.get(ENV_KEY, "auto").strip().lower() == "always":
        return True
    try:
        names = list(component_names(config_path))
    except (OSError, yaml.YAMLError, AttributeError, TypeError):
        return True
    if not names:
        return True
    return any(name not in TF_FREE and not name.startswith("clinic.") for name in names)


def install() -> bool:
    """Puts the stand-in in place unless TensorFlow is already imported; True if it did."""
    if any(name.split(".")[0] in PACKAGES for name in sys.modules):
        return False
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
    return True
