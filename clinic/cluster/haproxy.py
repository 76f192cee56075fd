"""The load balancer: HAProxy's configuration rendered from ``haproxy.cfg.tmpl``.

Pure functions (the template and the settings in, the configuration text out) plus the
command line that runs Debian's ``haproxy`` in the foreground under the cluster's supervisor.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from string import Template
from typing import Iterable, List, Optional, Sequence

from clinic.cluster.settings import ClusterConfigError, ClusterSettings

TEMPLATE = Path(__file__).with_name("haproxy.cfg.tmpl")
# An origin as browsers send it: scheme://host[:port], nothing HAProxy could misread.
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]+$")
HAPROXY_PATHS = ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy")


def server_lines(prefix: str, ports: Iterable[int]) -> str:
    """``server`` lines for the replicas on ``ports`` (health-checked, localhost)."""
    return "\n".join(f"    server {prefix}-{i} 127.0.0.1:{port} check"
                     for i, port in enumerate(ports, 1))


def origin_patterns(origins: Sequence[str]) -> str:
    """The allowed web origins as HAProxy string patterns.

    Raises:
        ClusterConfigError: when an origin could break out of the ACL (spaces, quotes...).
    """
    bad = [origin for origin in origins if not _ORIGIN.match(origin)]
    if bad or not origins:
        raise ClusterConfigError(
            "ALLOWED_ORIGINS must list web origins like https://www.example-clinic.com "
            f"(comma separated), got {', '.join(bad) or 'nothing'}"
        )
    return " ".join(origins)


def render(settings: ClusterSettings, rasa_check: str = "/",
           template: Optional[str] = None) -> str:
    """The HAProxy configuration for ``settings`` (``rasa_check``: the replicas' health
    check path, see ``topology.rasa_health_path``)."""
    text = template if template is not None else TEMPLATE.read_text(encoding="utf-8")
    return Template(text).substitute(
        bufsize=max(16_384, settings.max_body_bytes + 16_384),
        public_interface=settings.public_interface,
        public_port=settings.public_port,
        api_port=settings.api_port,
        action_port=settings.runtime.action_port,
        stats_port=settings.stats_port,
        max_body_bytes=settings.max_body_bytes,
        rasa_check=rasa_check,
        allowed_origins=origin_patterns(settings.runtime.allowed_origins),
        rasa_servers=server_lines("rasa", settings.rasa_ports),
        action_servers=server_lines("action", settings.action_ports),
    )


def haproxy_binary() -> Optional[str]:
    """Path of the ``haproxy`` program, or ``None`` when it is not installed."""
    found = shutil.which("haproxy")
    if found:
        return found
    return next((path for path in HAPROXY_PATHS if Path(path).is_file()), None)


def command(config: Path, binary: str) -> List[str]:
    """Runs HAProxy in the foreground (``-db``) with ``config`` (checked first by ``-c``)."""
    return [binary, "-db", "-f", str(config)]


def check_command(config: Path, binary: str) -> List[str]:
    """Validates ``config`` without starting anything."""
    return [binary, "-c", "-q", "-f", str(config)]
