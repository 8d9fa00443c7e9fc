"""Publishing elsewhere: the command the office configures, run after a good build.

``$OUTCOMES_DEPLOY`` is a shell command line (``rsync -a --delete --exclude
'.*' build/ web:/srv/esiti/``, ``datasette publish cloudrun ...``) that
``outcomes build --deploy`` and the desk's *Pubblica* run once a build has
been published in the output folder, with ``$OUTCOMES_BUILD`` set to that
folder. Its output (standard output and error, together) is shown and
appended to ``.deploy.log`` in the output folder; a command that fails or
outlasts ``$OUTCOMES_DEPLOY_TIMEOUT`` seconds (default 900, then it and its
children are stopped) is reported as failed, and the build stays published.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable

from .common.text import text

COMMAND_VARIABLE = "OUTCOMES_DEPLOY"
TIMEOUT_VARIABLE = "OUTCOMES_DEPLOY_TIMEOUT"
DEFAULT_TIMEOUT = 900
LOG_FILE = ".deploy.log"
LINES_SHOWN = 200  # the office's page shows the end of a long output


@dataclass
class Deployed:
    command: str
    status: int | None  # None: stopped at the time limit, or could not start
    seconds: float
    lines: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 0

    def summary(self, out_dir: Path, lang: str) -> str:
        if self.ok:
            return text("deploy.done", lang, seconds=f"{self.seconds:.1f}", command=self.command)
        return text("deploy.failed", lang, reason=self.reason, out=out_dir)


def configured() -> str | None:
    """The configured command, if any."""
    return os.environ.get(COMMAND_VARIABLE, "").strip() or None


def _timeout() -> float:
    try:
        return float(os.environ.get(TIMEOUT_VARIABLE) or DEFAULT_TIMEOUT)
    except ValueError:
        return DEFAULT_TIMEOUT


def run(out_dir: Path, command: str, lang: str, echo: Callable[[str], None] | None = None) -> Deployed:
    """Run ``command`` in a shell of its own process group; each line of its
    output to ``echo`` as it comes; the result logged in ``out_dir``."""
    began = time.monotonic()
    limit = _timeout()
    env = {**os.environ, "OUTCOMES_BUILD": str(Path(out_dir).resolve())}
    try:
        process = subprocess.Popen(command, shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, env=env, start_new_session=True)
    except OSError as error:
        deployed = Deployed(command, None, 0.0, reason=text("deploy.cannot_start", lang, detail=error.strerror or error))
        _log(out_dir, deployed)
        return deployed
    stopped = threading.Event()

    def stop() -> None:
        stopped.set()
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the shell and whatever it started
        except ProcessLookupError:
            pass

    timer = threading.Timer(limit, stop)
    timer.start()
    lines = []
    try:
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            if echo:
                echo(line)
        status = process.wait()
    finally:
        timer.cancel()
        process.stdout.close()
    deployed = Deployed(command, None if stopped.is_set() else status, time.monotonic() - began, lines)
    if stopped.is_set():
        deployed.reason = text("deploy.timed_out", lang, seconds=f"{limit:g}")
    elif status != 0:
        deployed.reason = text("deploy.exit_status", lang, status=status if status >= 0 else f"{status} (signal)")
    _log(out_dir, deployed)
    return deployed


def _log(out_dir: Path, deployed: Deployed) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    result = "ok" if deployed.ok else f"FAILED: {deployed.reason}"
    entry = [f"== {stamp} {deployed.command} ({deployed.seconds:.1f} s) {result}", *deployed.lines, ""]
    with open(Path(out_dir) / LOG_FILE, "a", encoding="utf-8") as log:
        log.write("\n".join(entry) + "\n")
