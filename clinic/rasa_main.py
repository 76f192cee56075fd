"""Runs the Rasa CLI with the project's log redaction and speed fixes installed (launcher).

``run``, ``shell`` (the Rasa server) and ``train`` go without TensorFlow when config.yml
needs none (clinic/no_tensorflow.py; the same model, about 2 s less training); the rest
(``rasa test``, ``data validate``) load it as usual. ``train`` encodes the training
examples on every core (the servers use one per process) and remembers the tokens'
fingerprints for Rasa's training cache (clinic/training_speedups.py).
"""

from __future__ import annotations

import os
import sys

from clinic import no_tensorflow, rasa_speedups, training_speedups
from clinic.nlu import minilm_onnx
from clinic.privacy import install_log_redaction
from clinic.settings import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "config.yml"


def main() -> None:
    """``python -m clinic.rasa_main run ...`` == ``rasa run ...`` with scrubbed logs."""
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    rasa_speedups.import_before_rasa()  # first: 4 s less start-up
    command = sys.argv[1:2]
    without_tf = (command in (["run"], ["shell"], ["train"])
                  and not no_tensorflow.tensorflow_needed(CONFIG))
    if without_tf:  # after skops (its import walks every loaded module), before Rasa
        without_tf = no_tensorflow.install()
    install_log_redaction()
    rasa_speedups.install()
    if command == ["train"]:
        minilm_onnx.use_every_core()
        training_speedups.install()
    from rasa.__main__ import main as rasa_cli

    if without_tf:  # Rasa configures logging later: said on stderr, as the launcher logs it
        print("clinic: TensorFlow not loaded, no component in config.yml needs it "
              f"({no_tensorflow.ENV_KEY}=always loads it)", file=sys.stderr, flush=True)
    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_cli()


if __name__ == "__main__":
    main()
