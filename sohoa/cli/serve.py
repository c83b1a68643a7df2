"""Commands that run long-lived processes: serve (the web app) and worker (queued work)."""

from __future__ import annotations

import os

import click

from sohoa.cli.console import boundary
from sohoa.config import load_settings


@click.command()
@click.option("--processes", "-p", type=int, default=1, show_default=True, help="Processes.")
@click.option("--threads", "-t", type=int, default=None, help="Threads per process (cores).")
@boundary
def worker(processes: int, threads: int | None) -> None:
    """Work on queued pages and documents (needs SOHOA_BROKER; stops on Ctrl-C or SIGTERM).

    Run it on every machine that mounts the same SOHOA_HOME and reaches the broker and the
    catalog (SOHOA_DATABASE_URL).
    """
    from sohoa.workers import run_workers

    settings = load_settings()
    run_workers(settings, processes=processes, threads=threads or settings.workers)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option(
    "--workers",
    "web_workers",
    type=int,
    default=1,
    show_default=True,
    help="Server processes (each opens the catalog).",
)
@boundary
def serve(host: str, port: int, web_workers: int) -> None:
    """Run the web app (search, documents, dashboard, review, users) with uvicorn."""
    import uvicorn

    settings = load_settings()
    if web_workers > 1:
        # Migrate the catalog, check the index layout and create the session key once, here:
        # worker processes starting together would otherwise race for them (a rebuild of the
        # index holds its lock for minutes; two generated keys would split the sessions).
        from sohoa.pipeline import open_context
        from sohoa.web.security import secret_key

        open_context(settings).close()
        secret_key(settings)
        # each process builds its own app from the same SOHOA_* environment
        os.environ.setdefault("SOHOA_HOME", str(settings.home))
        uvicorn.run(
            "sohoa.web.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=web_workers,
            proxy_headers=False,
        )
        return
    from sohoa.web.app import create_app

    uvicorn.run(create_app(settings), host=host, port=port, proxy_headers=False)
