"""The ``termalign`` command: a thin click layer over the library.

Every command parses its arguments, makes one library call and prints. User-facing errors
(``TermalignError`` and ``ModelError``) become one line on stderr and a documented exit code,
here and nowhere else; ``--debug`` shows the traceback instead.
"""
from __future__ import annotations

import sys
import traceback

import click

from align.errors import TermalignError
from models.base import ModelError

EXIT_CODES = {
    0: "success",
    1: "usage error or unexpected failure",
    2: "bad input file (empty, binary, undecodable, not bilingual...)",
    3: "store missing, corrupt or incompatible",
    4: "model cannot be loaded",
    5: "batch job finished but some files failed",
    130: "interrupted (Ctrl-C)",
}


class Cli(click.Group):
    """Turns our errors into one line and an exit code; nothing else is caught silently."""

    def invoke(self, ctx: click.Context):
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (TermalignError, ModelError) as e:
            if debug:
                traceback.print_exc()
            click.echo(f"Error: {e}", err=True)
            ctx.exit(getattr(e, "exit_code", 1))
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except MemoryError:
            click.echo("Error: out of memory (input too large?)", err=True)
            ctx.exit(1)
        except Exception as e:  # last resort: never show a traceback without --debug
            if debug:
                traceback.print_exc()
            click.echo(f"Error: unexpected {type(e).__name__}: {e} (rerun with --debug for details)", err=True)
            ctx.exit(1)


@click.group(cls=Cli)
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="termalign")
def main(debug: bool) -> None:
    """termalign: align English-Chinese text, mine a terminology glossary, search it."""


# Commands are registered below, one section per area.
# --- segment (issue 2) ---
@main.command()
@click.argument("file", type=click.Path())
@click.option("--presplit", is_flag=True, help="The file has one sentence per line: do not unwrap or split.")
@click.option("--encoding", metavar="ENC", help="Decode FILE with ENC instead of detecting it (e.g. gb18030, big5).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per paragraph (JSON Lines).")
def segment(file: str, presplit: bool, encoding: str | None, as_json: bool) -> None:
    """Show how FILE is cut into language-tagged paragraphs and sentences."""
    import json

    from align.segment import read_document

    doc = read_document(file, encoding=encoding, presplit=presplit)
    for p in doc.paragraphs:
        if as_json:
            row = {"line": p.line, "lang": p.lang, "text": p.text, "sentences": list(p.sentences)}
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        click.echo(f"{p.line:>5} [{p.lang}] {p.text if len(p.text) <= 100 else p.text[:99] + '…'}")
        if p.lang != "other":
            for s in p.sentences:
                click.echo(f"        {s}")


# --- align / eval (issue 4) ---
# --- build / mine / search --pairs (issue 5) ---
# --- glossary / export (issue 6) ---
# --- search / serve (issue 7) ---

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
