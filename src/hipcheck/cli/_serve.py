"""``hipcheck serve``: the local web page (upload, queue, reports, each person's history)."""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import secrets
import socket
import sys
from pathlib import Path

from hipcheck.cli._args import Subparsers, add_model_option
from hipcheck.cli._batch import clip_timeout
from hipcheck.errors import UsageError

TOKEN_ENV = "HIPCHECK_TOKEN"


def register(sub: Subparsers) -> None:
    """Add the ``serve`` sub-command."""
    p = sub.add_parser(
        "serve",
        help="a local web page: upload clips, watch the queue, read reports, follow each person",
        description="Serve hipcheck's web page on this machine. Uploaded videos, reports and each person's "
        "history are kept in the data folder (SQLite store, uploads/, sessions/); nothing is sent anywhere. "
        "Listens on 127.0.0.1 only unless --host says otherwise, which then needs --token.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="data folder (default: $HIPCHECK_DATA or ~/.local/share/hipcheck)")  # fmt: skip
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N", help="local worker processes (default: 1)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run clips on a Dask cluster instead")
    p.add_argument("--token", default=os.environ.get(TOKEN_ENV), metavar="TOKEN",
                   help=f"access token for every request (also ${TOKEN_ENV}); required beyond loopback")  # fmt: skip
    p.add_argument("--max-upload-mb", type=int, default=2048, metavar="MB", help="largest upload (default: 2048)")
    p.add_argument("--keep-videos-days", type=int, default=None, metavar="N",
                   help="delete uploaded videos N days after their analysis; metrics and reports stay")  # fmt: skip
    p.add_argument(
        "--clip-timeout", type=clip_timeout, default="auto", metavar="SECONDS",
        help="each clip's time limit: seconds, 'auto' (10 min or 30 s per second of video, whichever is longer) "
        "or 'off'; a clip over it fails (HTTP 504 in the API)",
    )  # fmt: skip
    p.add_argument("--log-level", default="warning", choices=("debug", "info", "warning", "error"))
    add_model_option(p)
    p.set_defaults(func=run)


def check_args(args: argparse.Namespace) -> None:
    """Refuse settings that cannot work, each with one line."""
    from hipcheck.web import is_loopback

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected 0–65535")
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: expected at least 1")
    if args.max_upload_mb < 1:
        raise UsageError(f"--max-upload-mb {args.max_upload_mb}: expected at least 1")
    if args.keep_videos_days is not None and args.keep_videos_days < 0:
        raise UsageError(f"--keep-videos-days {args.keep_videos_days}: expected 0 or more")
    if not is_loopback(args.host) and not args.token:
        raise UsageError(
            f"{args.host}: listening beyond this machine needs an access token; start with "
            f"--token {secrets.token_urlsafe(24)} (generated now) or set ${TOKEN_ENV}"
        )
    if args.token is not None and len(args.token) < 16:
        raise UsageError("--token: use at least 16 characters")


def bind(host: str, port: int) -> socket.socket:
    """The listening socket (so a port in use is one clear line, before anything starts)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        why = "the port is in use; choose another with --port" if exc.errno == errno.EADDRINUSE else exc.strerror
        raise UsageError(f"{host}:{port}: cannot listen ({why})") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C / SIGTERM; running clips go back to the queue and run on the next start."""
    check_args(args)
    import uvicorn

    from hipcheck.jobs import DataDir, QueueService, connect_cluster
    from hipcheck.web import AppState, ServeConfig, create_app

    data = DataDir.at(args.data)
    config = ServeConfig(
        data, args.host, args.port, args.token, args.workers or 1, args.scheduler, args.max_upload_mb,
        args.keep_videos_days, args.model,
    )  # fmt: skip
    sock = bind(args.host, args.port)
    client = connect_cluster(args.scheduler) if args.scheduler else None
    try:
        service = QueueService(data.store, data.sessions, workers=config.workers, executor=client,
                               model_path=args.model, clip_timeout_s=args.clip_timeout)  # fmt: skip
        app = create_app(config, AppState(config, service))
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"hipcheck serve: http://{shown}:{port}/  (data: {data.root}; Ctrl-C stops)", flush=True)
        server = uvicorn.Server(uvicorn.Config(app, log_level=args.log_level, lifespan="on", access_log=False))
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C / SIGTERM it shut down on
            server.run(sockets=[sock])
    finally:
        sock.close()
        if client is not None:
            client.close()
    if not server.started:
        print("hipcheck: error: the server did not start (see the lines above)", file=sys.stderr)
        return 1
    print("hipcheck serve: stopped; queued and interrupted jobs run on the next start", flush=True)
    return 0


__all__ = ["TOKEN_ENV", "bind", "check_args", "register", "run"]
