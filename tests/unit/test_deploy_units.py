"""The systemd units and environment example of deploy/systemd/ cannot rot silently.

* every unit passes ``systemd-analyze verify`` (syntax, known directives and values, the
  ExecStart program exists). Verified as installed, except the prefix: /opt/clinic is
  replaced by a temporary directory whose ``.venv/bin/python`` is this interpreter, because
  /opt/clinic does not exist on a development machine. Templates are verified as one
  instance each. A parse warning (unknown key, bad value) fails the test even though
  ``systemd-analyze`` then exits 0.
* every ExecStart runs ``python -m MODULE`` of a module in this repository, the same
  modules ``make cluster`` starts (clinic/cluster/topology.py);
* every variable in clinic.env.example is one the code reads, or one ``make cluster`` gives
  its processes; per-instance variables are never in it (EnvironmentFile= overrides
  Environment=);
* deploy/systemd/endpoints.yml is what ``make cluster`` renders for its replicas.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Set
from unittest import mock

import pytest
import yaml

from clinic.settings import PROJECT_ROOT

UNITS_DIR = PROJECT_ROOT / "deploy" / "systemd"
ENV_EXAMPLE = UNITS_DIR / "clinic.env.example"
PREFIX = "/opt/clinic"
SYSTEMD_ANALYZE = "systemd-analyze"
PER_INSTANCE = {"ACTION_PORT", "ACTION_HOST"}
EXPECTED_UNITS = {
    "clinic-rasa@.service", "clinic-actions@.service", "clinic-booking-worker.service",
    "clinic-analytics-consumer.service", "clinic-console.service", "clinic-web.service",
    "clinic-model-server.service", "clinic.target",
}


def unit_files() -> List[Path]:
    return sorted(p for p in UNITS_DIR.iterdir() if p.suffix in (".service", ".target"))


def exec_start(unit: Path) -> str:
    lines = [line.split("=", 1)[1] for line in unit.read_text().splitlines()
             if line.startswith("ExecStart=")]
    assert len(lines) == 1, f"{unit.name}: exactly one ExecStart= expected"
    return lines[0]


def python_module(command: str) -> str:
    """The MODULE of ``.../python -m MODULE`` (also inside ``/bin/sh -c 'exec ...'``)."""
    words = shlex.split(command.replace("$$", "$"))
    if words[:2] == ["/bin/sh", "-c"]:
        words = shlex.split(words[2].replace("$(", "").replace(")", ""))
        assert words[0] == "exec", "a shell ExecStart must exec the program (signals, pid)"
        words = words[1:]
    assert words[0] == f"{PREFIX}/.venv/bin/python", words[0]
    assert words[1] == "-m"
    return words[2]


def test_the_expected_units_exist() -> None:
    assert {p.name for p in unit_files()} == EXPECTED_UNITS


def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    binary = shutil.which(SYSTEMD_ANALYZE) or (
        "/usr/bin/systemd-analyze" if Path("/usr/bin/systemd-analyze").exists() else None)
    if binary is None:
        pytest.fail("systemd-analyze is missing: install Debian's systemd "
                    "(`apt-get install systemd`) to check deploy/systemd/")
    root = tmp_path / "opt-clinic"
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").symlink_to(sys.executable)
    for sub in ("var", "models"):
        (root / sub).mkdir()
    env_file = tmp_path / "clinic.env"
    shutil.copy(ENV_EXAMPLE, env_file)
    out = tmp_path / "units"
    out.mkdir()
    for unit in unit_files():
        name = unit.name.replace("@.service", "@5011.service")
        text = unit.read_text().replace("/etc/clinic/clinic.env", str(env_file))
        (out / name).write_text(text.replace(PREFIX, str(root)))
    result = subprocess.run([binary, "verify", "--man=no", *sorted(p.name for p in out.iterdir())],
                            cwd=out, capture_output=True, text=True, timeout=60)
    report = (result.stdout + result.stderr).strip()
    assert result.returncode == 0 and not report, report


@pytest.mark.parametrize("unit", [p for p in unit_files() if p.suffix == ".service"],
                         ids=lambda p: p.name)
def test_exec_start_runs_a_module_of_this_repository(unit: Path) -> None:
    module = python_module(exec_start(unit))
    parts = module.split(".")
    as_file = PROJECT_ROOT.joinpath(*parts).with_suffix(".py")
    as_package = PROJECT_ROOT.joinpath(*parts, "__main__.py")
    assert as_file.is_file() or as_package.is_file(), f"{unit.name}: no module {module}"


def test_the_units_run_the_modules_make_cluster_starts() -> None:
    from clinic.cluster import topology
    from clinic.cluster.settings import ClusterSettings

    # A token given, so that nothing is generated into var/rasa-api-token.
    settings = ClusterSettings.from_env({"RASA_API_TOKEN": "t"})
    started = {m.command[2] for m in topology.members(settings, "/usr/sbin/haproxy", "t")
               if m.role != "load-balancer"}
    ours = {python_module(exec_start(p)) for p in unit_files() if p.suffix == ".service"}
    assert ours == started


def test_the_rasa_unit_passes_the_launchers_arguments() -> None:
    command = exec_start(UNITS_DIR / "clinic-rasa@.service")
    for flag in ("run", "--model", "--endpoints deploy/systemd/endpoints.yml",
                 "--credentials credentials.yml", "--port %i", "--interface 127.0.0.1",
                 "--cors", "--enable-api", "--auth-token"):
        assert flag in command


def read_by_code() -> Set[str]:
    """Variables the code reads (quoted names in files that read the environment, ${VAR} in
    the endpoints files) or that make cluster gives its processes."""
    names: Set[str] = set()
    for top in ("clinic", "actions", "staff"):
        for path in (PROJECT_ROOT / top).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if re.search(r"environ|getenv|env\.get|env\[", text):
                names.update(re.findall(r"[\"']([A-Z][A-Z0-9_]{2,})[\"']", text))
    for path in (PROJECT_ROOT / "endpoints.yml", UNITS_DIR / "endpoints.yml"):
        names.update(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", path.read_text()))
    from clinic.cluster import topology
    from clinic.cluster.settings import ClusterSettings
    from clinic.launcher import child_env
    from clinic.settings import Settings

    with mock.patch.dict("os.environ", {}, clear=True):
        names.update(child_env(Settings()))
        names.update(topology.shared_env(ClusterSettings.from_env({}), {}))
    return names


def env_example() -> Dict[str, str]:
    found: Dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def test_every_variable_of_the_env_example_is_read_by_the_code() -> None:
    unknown = sorted(set(env_example()) - read_by_code())
    assert not unknown, f"clinic.env.example lists variables nothing reads: {unknown}"


def test_the_env_example_holds_no_per_instance_variable_and_no_secret() -> None:
    listed = env_example()
    assert not PER_INSTANCE & set(listed)
    for name, value in listed.items():
        if any(word in name for word in ("SECRET", "PASSWORD", "TOKEN")):
            assert value == "CHANGE-ME", name
        if name.endswith("_URL") and "@" in value:
            assert ":CHANGE-ME@" in value, name


def test_every_variable_the_units_expand_is_in_the_env_example() -> None:
    listed = set(env_example())
    for unit in unit_files():
        used = set(re.findall(r"\$\$?\{?([A-Z][A-Z0-9_]*)", unit.read_text()))
        assert used <= listed | {"HOME"}, f"{unit.name}: {sorted(used - listed)}"


def test_the_endpoints_file_is_the_one_make_cluster_renders() -> None:
    from clinic.cluster import topology
    from clinic.cluster.settings import ClusterSettings

    committed = yaml.safe_load((UNITS_DIR / "endpoints.yml").read_text())
    assert committed == topology.endpoints(ClusterSettings.from_env({}))
