"""Click options more than one command module declares."""

from __future__ import annotations

import click

STORE_OPT = click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False),
    envvar="TERMALIGN_STORE",
    default=None,
    help="Store folder (default: $TERMALIGN_STORE or ./termalign-store).",
)
