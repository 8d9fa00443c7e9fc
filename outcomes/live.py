"""The public site, live: ``outcomes serve`` picks up each new build by itself.

A build replaces the files of ``build/`` one rename at a time (``build.py``):
a Datasette opened on ``build/`` would see a new ``outcomes.db`` beside the
old configuration, or keep the old database for ever (it is opened
immutable). So the site is never served from ``build/`` itself but from a
*snapshot* of it: under the build's lock (no build is publishing, an
interrupted one is finished first), every file of ``build/`` is hard-linked
into ``build/.live/<pid>/<n>/``. A build never writes into a published file,
it renames new ones over them, so the links keep the snapshot's bytes while
``build/`` moves on; they cost no space and take milliseconds.

``Front`` is the ASGI application the one server process runs. It holds one
Datasette per snapshot: every request is handed whole to the current one,
and a watcher looks at the build's marker (``.build-state.json``, written
last) ten times a second. When it changes, a new snapshot is taken, a new
Datasette is started on it, its tables are counted against what the build
recorded (``inspect-data.json``) and a few pages asked (its caches warmed,
for at most half a second); only a Datasette that passes becomes current.
Requests already running finish on the old one, which is closed and its
snapshot removed once the last of them ends.
No connection is closed and no request fails; every response comes from one
build (its counts, facets, feed and proceedings downloads together). A build
that fails publishes nothing, so nothing changes; one that cannot be served
is reported and the previous one stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shutil
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable

from datasette import hookimpl

LIVE_VARIABLE = "OUTCOMES_LIVE"  # =1: `datasette build/` follows each build too (asgi_wrapper below)
INNER = "_outcomes_live_inner"  # set on the Datasettes a front makes
LIVE_DIR = ".live"  # in the build folder: the snapshots being served, one folder per server process
# What a build replaces when it publishes (build.STATE_FILE, written last, and
# build.DATABASE): named here so that a Datasette loading this plugin does not
# import the build.
MARKERS = (".build-state.json", "outcomes.db", "inspect-data.json")
POLL_SECONDS = 0.1


# --- Snapshots ---------------------------------------------------------------------------


def marker(out_dir: Path) -> tuple:
    """What changes when a build is published: the identity of the files it
    replaces (a rename gives a new inode), read without opening them."""
    found = []
    for name in MARKERS:
        try:
            info = os.stat(out_dir / name)
            found.append((info.st_ino, info.st_mtime_ns, info.st_size))
        except FileNotFoundError:
            found.append(None)
    return tuple(found)


def _published(path: Path) -> bool:
    """A file or folder of the published build: not the build's own hidden
    files (lock, journal, state, staging folders) nor the snapshots."""
    return not path.name.startswith(".")


def snapshot(out_dir: Path, into: Path) -> Path | None:
    """Link the published build into the new folder ``into``; None while a
    build holds the lock (try again) or when there is no build yet."""
    from . import build as builder

    try:
        with builder.locked(out_dir, wait=False):
            builder.recover(out_dir)
            if not (out_dir / builder.DATABASE).is_file():
                return None
            partial = into.with_name(into.name + ".part")
            shutil.rmtree(partial, ignore_errors=True)
            _link_tree(out_dir, partial)
            os.replace(partial, into)
            return into
    except builder.BuildLocked:
        return None


def _link_tree(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        if not _published(path):
            continue
        if path.is_dir() and not path.is_symlink():
            _link_tree(path, target / path.name)
        elif path.is_file():
            try:
                os.link(path, target / path.name)
            except OSError as error:  # a file system without hard links: a copy
                if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                    raise
                shutil.copy2(path, target / path.name)


def sweep(out_dir: Path) -> None:
    """Remove the snapshots of server processes that are gone (killed ones)."""
    for folder in (out_dir / LIVE_DIR).glob("*"):
        if folder.name.isdigit() and not _alive(int(folder.name)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- One build, served --------------------------------------------------------------------


@dataclass
class Site:
    """A Datasette serving one snapshot, and how many requests it is answering."""

    folder: Path
    datasette: object
    app: Callable
    active: int = 0
    retired: bool = False

    def close(self) -> None:
        """Its SQL threads stopped, its connections closed, its snapshot removed."""
        executor = getattr(self.datasette, "executor", None)
        if executor is not None:
            executor.shutdown(wait=True)
        for database in self.datasette.databases.values():
            database.close()
        shutil.rmtree(self.folder, ignore_errors=True)


_loaded_plugins: dict[str, str] = {}  # plugin file name -> digest of the code this process runs


def _plugins_dir(folder: Path, own: Path) -> str:
    """The folder the snapshot's Datasette loads its plugins from.

    Datasette registers a plugins folder's modules once per process, by file
    name, and only executes them again for the next instance (a quarter of a
    second, for nothing): every build's Datasette runs the code loaded
    first. So the first snapshot's ``plugins/`` is linked into the server's
    own folder (``own/plugins``: the hooks put their folder on ``sys.path``,
    and it must outlive that snapshot), and later Datasettes get an empty
    one. A build made by another version of the code says so; serving it
    with its own plugin takes a restart."""
    import hashlib

    plugins = folder / "plugins"  # the hooks module and the parts and copies beside it
    found = {path.relative_to(plugins).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
             for path in sorted(plugins.rglob("*")) if path.is_file() and "__pycache__" not in path.parts}
    if not _loaded_plugins:
        shutil.rmtree(own / "plugins", ignore_errors=True)
        _link_tree(plugins, own / "plugins")
        _loaded_plugins.update(found)
        return str(own / "plugins")
    if found != _loaded_plugins:
        raise PluginChanged(sorted(set(found.items()) ^ set(_loaded_plugins.items()))[0][0])
    (own / "no-plugins").mkdir(parents=True, exist_ok=True)
    return str(own / "no-plugins")


class PluginChanged(Exception):
    """The build's site plugin is not the code this process runs."""

    def __str__(self):
        return f"plugins/{self.args[0]} changed: restart the server to run it"


async def open_site(folder: Path, own: Path) -> Site:
    """A Datasette on ``folder`` (a configuration directory, as ``datasette
    build/`` would open it), started and checked: its home page must answer.
    It is made in a thread: the requests being served go on meanwhile."""
    from datasette.app import Datasette

    loop = asyncio.get_running_loop()
    plugins = _plugins_dir(folder, own)
    datasette = await loop.run_in_executor(None, lambda: Datasette([], config_dir=folder, plugins_dir=plugins))
    setattr(datasette, INNER, True)  # its app() is Datasette's own, not another front
    site = Site(folder, datasette, datasette.app())
    try:
        await datasette.invoke_startup()
        await _check(datasette)
    except BaseException:
        site.close()
        raise
    await _warm_up(datasette)
    return site


# Pages asked of a new Datasette before it is served: its first pages compile
# its templates and read the lookup tables (its caches are its own), which
# takes a second on a busy machine, and twenty readers arriving at once on a
# cold one could run a query past the SQL time limit.
WARM_UP = ("/", "/{db}/outcomes?_size=1", "/{db}/outcomes.json?_size=1&_facet=type")
WARM_UP_SECONDS = 0.5  # then it is served anyway, the rest going on beside the readers


async def _warm_up(datasette) -> None:
    from .site import DATABASE_NAME

    async def get(path: str) -> None:
        with contextlib.suppress(Exception):
            await datasette.client.get(path.format(db=DATABASE_NAME))

    await asyncio.wait([asyncio.ensure_future(get(path)) for path in WARM_UP], timeout=WARM_UP_SECONDS)


async def _check(datasette) -> None:
    """The database opens and holds what the build says it does: each
    table's count in inspect-data.json, counted in one trip to a SQL thread."""
    for name, info in (datasette.inspect_data or {}).items():
        expected = {table: entry["count"] for table, entry in info.get("tables", {}).items()}

        def count(conn, tables=tuple(expected)):
            return {table: conn.execute(f"select count(*) from [{table}]").fetchone()[0] for table in tables}

        found = await datasette.get_database(name).execute_fn(count)
        if found != expected:
            wrong = sorted(table for table in expected if found[table] != expected[table])
            raise RuntimeError(f"{info.get('file', name)}: {', '.join(wrong)} not as built")


class Front:
    """The ASGI application of ``outcomes serve``: every request to the
    current build's Datasette; a new build swapped in when it is published."""

    def __init__(self, out_dir: Path, say: Callable[..., None] = lambda key, **values: None,
                 poll: float = POLL_SECONDS):
        self.out_dir, self.say, self.poll = Path(out_dir), say, poll
        self.folder = self.out_dir / LIVE_DIR / str(os.getpid())
        self.site: Site | None = None
        self.seen: tuple | None = None
        self.count = 0
        self.watcher: asyncio.Task | None = None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.lifespan(receive, send)
        site = self.site
        site.active += 1
        try:
            await site.app(scope, receive, send)
        finally:
            site.active -= 1
            if site.retired and site.active == 0:
                await self._close(site)

    async def lifespan(self, receive, send) -> None:
        while True:
            event = await receive()
            if event["type"] == "lifespan.startup":
                try:
                    await self.start()
                except Exception as error:
                    await send({"type": "lifespan.startup.failed", "message": str(error)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif event["type"] == "lifespan.shutdown":
                await self.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def start(self) -> None:
        """Serve the published build: after the build running now, if one is."""
        sweep(self.out_dir)
        while not await self.refresh():
            if not (self.out_dir / MARKERS[1]).is_file():
                raise RuntimeError(f"{self.out_dir}: no build to serve")
            await asyncio.sleep(self.poll)
        self.watcher = asyncio.create_task(self.watch())

    async def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.watcher
        if self.site is not None:
            await self._close(self.site)
        shutil.rmtree(self.folder, ignore_errors=True)

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(self.poll)
            try:
                await self.refresh()
            except Exception as error:  # the build stays as it was: served as before
                self.say("serve.not_served", reason=f"{type(error).__name__}: {error}")

    async def refresh(self) -> bool:
        """Serve the published build if it is not the one served; whether
        one is served. A build being published is left to the next look."""
        seen = marker(self.out_dir)
        if seen == self.seen:
            return self.site is not None
        self.count += 1
        loop = asyncio.get_running_loop()
        taken = await loop.run_in_executor(None, snapshot, self.out_dir, self.folder / str(self.count))
        if taken is None:
            return self.site is not None
        began = time.monotonic()
        try:
            site = await open_site(taken, self.folder)
        except BaseException:
            shutil.rmtree(taken, ignore_errors=True)
            raise
        finally:
            self.seen = seen  # a build that cannot be served is not tried again until the next one
        old, self.site = self.site, site
        self.say("serve.live", out=self.out_dir, seconds=f"{time.monotonic() - began:.2f}")
        if old is not None:
            old.retired = True
            if old.active == 0:
                await self._close(old)
        return True

    async def _close(self, site: Site) -> None:
        await asyncio.get_running_loop().run_in_executor(None, site.close)


# --- The server -----------------------------------------------------------------------------


class PortInUse(OSError):
    """Another program listens on the address."""


def listen(host: str, port: int) -> socket.socket:
    """The server's listening socket, bound before anything starts, so
    that a port in use is said at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(error.errno, error.strerror) from None
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def teller(lang: str) -> Callable[..., None]:
    """What the server says as it goes (a build served, or not): one
    line each on stderr, timed, for the terminal or the journal."""
    from .common.text import text

    def say(key: str, **values) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        print(text(key, lang, time=stamp, **values), file=sys.stderr, flush=True)

    return say


def serve(out_dir: Path, sock: socket.socket, say: Callable[..., None], access_log: bool = False) -> int:
    """Serve the build folder on ``sock`` until SIGTERM or SIGINT; requests
    in flight finish (up to 30 s). The process then ends by that signal,
    as a shell or systemd expects (exit status 143 or 130); 1 if the site
    could not start."""
    import uvicorn

    front = Front(out_dir, say)
    config = uvicorn.Config(front, lifespan="on", log_level="warning", access_log=access_log,
                            timeout_graceful_shutdown=30)
    server = uvicorn.Server(config)
    server.run(sockets=[sock])  # re-raises the signal that stopped it, once stopped
    return 0 if server.started else 1




@hookimpl(trylast=True)
def asgi_wrapper(datasette):
    """``OUTCOMES_LIVE=1 datasette serve build/``: Datasette's own command
    follows each build too (this module is a Datasette plugin, by the
    package's entry point). The outermost wrapper hands every request to a
    front on the configuration directory; the Datasette the command started
    only holds the socket. Without the variable, or on a front's own
    Datasettes, it changes nothing."""
    if os.environ.get(LIVE_VARIABLE) != "1" or getattr(datasette, INNER, False) or not datasette.config_dir:
        return lambda app: app
    front = Front(Path(datasette.config_dir), teller(_language()))
    return lambda app: front


def _language() -> str:
    return (os.environ.get("OUTCOMES_LANG") or "it").lower()[:2]


def application() -> Front:
    """The same front for an ASGI server of one's own (uvicorn, gunicorn
    with uvicorn workers, hypercorn): ``OUTCOMES_BUILD=build uvicorn
    --factory outcomes.live:application``. Its messages go to stderr in
    ``$OUTCOMES_LANG``."""
    return Front(Path(os.environ.get("OUTCOMES_BUILD", "build")), teller(_language()))
