"""The TensorFlow stand-in of the Rasa server (clinic/no_tensorflow.py, issue 20).

The stand-in can only be installed before TensorFlow is imported, and pytest has imported
it by now: the behaviour of the stand-in is checked in a fresh interpreter.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clinic.no_tensorflow import ENV_KEY, install, tensorflow_needed
from clinic.settings import PROJECT_ROOT
from tests.fresh_python import last_line


def _config(tmp_path: Path, pipeline: str, policies: str = "- name: RulePolicy") -> Path:
    path = tmp_path / "config.yml"
    path.write_text(f"language: en\npipeline:\n{pipeline}\npolicies:\n{policies}\n")
    return path


def test_the_projects_config_needs_no_tensorflow() -> None:
    assert tensorflow_needed(PROJECT_ROOT / "config.yml", environ={}) is False


@pytest.mark.parametrize("name", ["DIETClassifier", "ResponseSelector", "LanguageModelFeaturizer"])
def test_a_tensorflow_component_needs_it(tmp_path: Path, name: str) -> None:
    config = _config(tmp_path, f"- name: WhitespaceTokenizer\n- name: {name}")
    assert tensorflow_needed(config, environ={}) is True


def test_a_tensorflow_policy_needs_it(tmp_path: Path) -> None:
    config = _config(tmp_path, "- name: WhitespaceTokenizer", "- name: TEDPolicy")
    assert tensorflow_needed(config, environ={}) is True


def test_always_loads_it_and_an_unreadable_config_counts_as_needing_it(tmp_path: Path) -> None:
    free = _config(tmp_path, "- name: WhitespaceTokenizer\n- name: clinic.nlu.x.Y")
    assert tensorflow_needed(free, environ={}) is False
    assert tensorflow_needed(free, environ={ENV_KEY: "always"}) is True
    assert tensorflow_needed(tmp_path / "missing.yml", environ={}) is True
    broken = tmp_path / "broken.yml"
    broken.write_text("pipeline: [unclosed")
    assert tensorflow_needed(broken, environ={}) is True
    empty = tmp_path / "empty.yml"
    empty.write_text("language: en\n")
    assert tensorflow_needed(empty, environ={}) is True


def test_nothing_is_installed_once_tensorflow_is_imported() -> None:
    import tensorflow  # noqa: F401 - Rasa imported it already in this process

    assert install() is False


STAND_IN = r"""
import sys
from clinic.no_tensorflow import TensorFlowNotLoaded, install
assert install() is True
import tensorflow as tf
import tensorflow.keras.layers
from tensorflow.keras import backend

class Logger(tf.keras.callbacks.Callback):
    def __init__(self):
        super().__init__()

assert not isinstance(1.0, tf.Tensor)
assert tf.keras.layers.Dense is tensorflow.keras.layers.Dense
assert tf.config.get_visible_devices("GPU") == []
for call in (lambda: tf.constant(1), lambda: Logger(), lambda: backend.clear_session()):
    try:
        call()
    except TensorFlowNotLoaded as error:
        assert "CLINIC_TENSORFLOW=always" in str(error), error
    else:
        raise AssertionError("a TensorFlow call did not raise")
from clinic.nlu.minilm import default_backend, tensorflow_backend
assert tensorflow_backend() is None
assert default_backend().name in ("onnxruntime", "numpy")
assert not any("tensorflow/python" in str(getattr(m, "__file__", "")) for m in list(sys.modules.values()))
print("ok")
"""


def test_the_stand_in_lets_rasa_import_and_refuses_every_tensorflow_call() -> None:
    assert last_line(STAND_IN, timeout=120) == "ok"


def test_rasa_imports_and_loads_the_model_without_tensorflow() -> None:
    code = (
        "from clinic import rasa_speedups, no_tensorflow\n"
        "rasa_speedups.import_before_rasa()\n"
        "assert no_tensorflow.install()\n"
        "import asyncio, sys\n"
        "from rasa.core.agent import Agent\n"
        "agent = Agent.load('models/clinic.tar.gz')\n"
        "parsed = asyncio.run(agent.parse_message('what is nmt'))\n"
        "print(parsed['intent']['name'], 'tensorflow.python' in sys.modules)\n"
    )
    assert last_line(code) == "ask_nmt_overview False"


TINY_DOMAIN = """version: "3.1"
intents: [greet, bye]
responses:
  utter_greet: [{text: "Hello."}]
  utter_bye: [{text: "Bye."}]
"""
TINY_NLU = """version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hi there
    - good morning
- intent: bye
  examples: |
    - bye
    - see you later
    - good night
rules:
- rule: greet
  steps: [{intent: greet}, {action: utter_greet}]
- rule: bye
  steps: [{intent: bye}, {action: utter_bye}]
"""
TINY_CONFIG = """recipe: default.v1
language: en
assistant_id: tiny
pipeline:
- name: WhitespaceTokenizer
- name: CountVectorsFeaturizer
- name: clinic.nlu.intent_classifier.IntentClassifier
  random_state: 42
policies:
- name: RulePolicy
"""


def _train_tiny(tmp_path: Path, name: str, env: dict) -> tuple:
    """Trains the tiny project through clinic.rasa_main; (its stderr, the classifier)."""
    import os
    import subprocess
    import sys
    import tarfile

    import skops.io

    for file, text in (("domain.yml", TINY_DOMAIN), ("nlu.yml", TINY_NLU),
                       ("config.yml", TINY_CONFIG)):
        (tmp_path / file).write_text(text)
    done = subprocess.run(
        [sys.executable, "-m", "clinic.rasa_main", "train", "--config", str(tmp_path / "config.yml"),
         "--domain", str(tmp_path / "domain.yml"), "--data", str(tmp_path / "nlu.yml"),
         "--out", str(tmp_path / name), "--fixed-model-name", "tiny"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false",
             "RASA_CACHE_DIRECTORY": str(tmp_path / f"cache-{name}"), **env})
    assert done.returncode == 0, done.stderr[-3000:]
    unpacked = tmp_path / f"unpacked-{name}"
    with tarfile.open(tmp_path / name / "tiny.tar.gz") as archive:
        archive.extractall(unpacked)
    saved = next(unpacked.glob("components/*IntentClassifier*/*.skops"))
    return done.stderr, skops.io.load(saved, trusted=skops.io.get_untrusted_types(file=saved))


def test_training_without_tensorflow_gives_the_same_model(tmp_path: Path) -> None:
    """``rasa_main train`` uses the stand-in when config.yml needs no TensorFlow; the
    classifier it saves is the one training with TensorFlow saves."""
    import numpy as np

    without_log, without = _train_tiny(tmp_path, "without", {})
    with_log, with_tf = _train_tiny(tmp_path, "with", {ENV_KEY: "always"})
    assert "TensorFlow not loaded" in without_log
    assert "TensorFlow not loaded" not in with_log
    assert list(without.classes_) == list(with_tf.classes_) == ["bye", "greet"]
    np.testing.assert_array_equal(without.coef_, with_tf.coef_)
    np.testing.assert_array_equal(without.intercept_, with_tf.intercept_)
