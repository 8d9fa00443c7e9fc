#!/usr/bin/env python
"""deploy/nginx/outcomes.conf, run on this machine without touching /etc:
the same file with its ports, certificates and cache folder moved into a
folder of its own (a self-signed certificate made with openssl).

    python deploy/nginx/local.py --check          # nginx -t on it
    python deploy/nginx/local.py --run [--site-port 8001 --desk-port 8002 --https-port 8443]

tests/test_deploy_nginx.py runs it with the site and the desk behind it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SITE_FILE = Path(__file__).with_name("outcomes.conf")
NAMES = ("esiti.example.org", "schede.example.org")


def nginx() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def substitutions(folder: Path, site_port: int, desk_port: int, https_port: int, http_port: int) -> dict[str, tuple[str, int]]:
    """What changes in the site file: text -> (replacement, times it occurs)."""
    changes = {
        "server 127.0.0.1:8001;": (f"server 127.0.0.1:{site_port};", 1),
        "server 127.0.0.1:8002;": (f"server 127.0.0.1:{desk_port};", 1),
        "listen 80;": (f"listen 127.0.0.1:{http_port};", 1),
        "listen [::]:80;": ("", 1),
        "listen 443 ssl;": (f"listen 127.0.0.1:{https_port} ssl;", 2),
        "listen [::]:443 ssl;": ("", 2),
        "/var/cache/nginx/outcomes": (str(folder / "cache"), 1),
    }
    for name in NAMES:
        changes[f"/etc/letsencrypt/live/{name}/fullchain.pem"] = (str(folder / "cert.pem"), 1)
        changes[f"/etc/letsencrypt/live/{name}/privkey.pem"] = (str(folder / "key.pem"), 1)
    return changes


def render(folder: Path, site_port: int = 8001, desk_port: int = 8002, https_port: int = 8443,
           http_port: int = 8080) -> Path:
    """The configuration in ``folder``; returns its main file."""
    folder.mkdir(parents=True, exist_ok=True)
    site = SITE_FILE.read_text("utf-8")
    for text, (replacement, times) in substitutions(folder, site_port, desk_port, https_port, http_port).items():
        found = site.count(text)
        if found != times:
            raise ValueError(f"{SITE_FILE}: '{text}' found {found} times, not {times}")
        site = site.replace(text, replacement)
    (folder / "outcomes.conf").write_text(site, "utf-8")
    if not (folder / "cert.pem").exists():
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={NAMES[0]}",
             "-addext", "subjectAltName=" + ",".join(f"DNS:{name}" for name in NAMES),
             "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")],
            check=True, capture_output=True)
    temporary = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = folder / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")  # workers read this folder, which may be private
        + f"worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        f"events {{ worker_connections 512; }}\n"
        f"http {{\n    access_log {folder / 'access.log'};\n{temporary}\n    include {folder / 'outcomes.conf'};\n}}\n",
        "utf-8")
    return main


def check(main: Path) -> subprocess.CompletedProcess:
    return subprocess.run([nginx(), "-t", "-p", str(main.parent), "-c", str(main)], capture_output=True, text=True)


def start(main: Path) -> subprocess.Popen:
    """nginx in the foreground (stop it with SIGQUIT, or SIGTERM)."""
    return subprocess.Popen([nginx(), "-p", str(main.parent), "-c", str(main), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="nginx -t on the configuration, then exit")
    parser.add_argument("--run", action="store_true", help="run nginx in the foreground")
    parser.add_argument("--site-port", type=int, default=8001)
    parser.add_argument("--desk-port", type=int, default=8002)
    parser.add_argument("--https-port", type=int, default=8443)
    parser.add_argument("--http-port", type=int, default=8080)
    parser.add_argument("--folder", type=Path, default=None, help="where to write it (default: a temporary folder)")
    options = parser.parse_args()
    folder = options.folder or Path(tempfile.mkdtemp(prefix="outcomes-nginx-"))
    main_file = render(folder.resolve(), options.site_port, options.desk_port, options.https_port, options.http_port)
    if options.run:
        return start(main_file).wait()
    result = check(main_file)
    sys.stdout.write(result.stderr)
    if options.folder is None:
        shutil.rmtree(folder, ignore_errors=True)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
