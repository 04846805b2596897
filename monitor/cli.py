"""The ``policywatch`` command line: thin Typer commands over the library.

stdout carries data only (``--json`` prints exactly one JSON document); messages, progress
and errors go to stderr. Exit codes: 0 done, 2 wrong input (config, arguments), 1 failure.
Heavy modules are imported inside the commands so that ``history`` and ``show`` start fast.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from monitor.errors import ConfigError, PolicywatchError, UsageError

app = typer.Typer(
    name="policywatch",
    help="Watch web shops' privacy policies and report the changes that matter.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

F = TypeVar("F", bound=Callable[..., Any])


class _Options:
    config: Path | None = None
    debug: bool = False
    verbose: bool = False
    quiet: bool = False


options = _Options()


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def exit_code_for(exc: BaseException) -> int:
    """The one mapping of errors to exit codes: 2 for the user's input, 1 for failures."""
    return 2 if isinstance(exc, (ConfigError, UsageError)) else 1


def _handles_errors(command: F) -> F:
    """Turn the errors policywatch raises on purpose into one line and an exit code."""
    from storage.errors import StorageError

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (PolicywatchError, StorageError) as exc:
            if options.debug:
                raise
            _stderr(f"Error: {exc}")
            raise typer.Exit(exit_code_for(exc)) from None

    return wrapper  # type: ignore[return-value]


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def _config(*, check_targets: bool = True):  # type: ignore[no-untyped-def]
    """The validated config; read-only commands skip parsing notification URLs (slow)."""
    from monitor.config import load_config

    return load_config(options.config, check_targets=check_targets)


def _database(config: Any):  # type: ignore[no-untyped-def]
    from monitor.database import open_configured_database

    return open_configured_database(config)


def _reading(config: Any):  # type: ignore[no-untyped-def]
    """The database for a command that only reads: read-only and without SQLAlchemy when it can be."""
    from monitor.database import open_for_reading

    return open_for_reading(config)


@app.callback()
def _global(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Config file (default ./policywatch.toml or $POLICYWATCH_CONFIG).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show the crawler's log.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    options.config, options.verbose, options.quiet, options.debug = config, verbose, quiet, debug


@app.command()
@_handles_errors
def crawl(
    shop: Annotated[list[str] | None, typer.Option("--shop", "-s", help="Only this shop (repeatable).")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Fetch every shop, due or not.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Fetch the due shops once, record new versions, classify and notify.

    Example: policywatch crawl --all --json
    """
    from monitor.crawl_pass import run_crawl
    from monitor.report import crawl_summary_text

    config = _config()
    summary = run_crawl(config, shop or [], everything=everything, verbose=options.verbose)
    if as_json:
        _print_json(summary)
    else:
        print(crawl_summary_text(summary))


@app.command()
@_handles_errors
def shops(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the shops: last check, last status, last change, number of versions.

    Example: policywatch shops --json
    """
    from monitor.history import flap_count
    from monitor.report import shops_json, shops_text

    database = _reading(_config(check_targets=False))
    states = database.shop_states()
    flaps = {state.name: flap_count(database, state.name) for state in states}
    if as_json:
        _print_json(shops_json(states, flaps))
    else:
        print(shops_text(states, flaps))


@app.command()
@_handles_errors
def history(
    shop: Annotated[str, typer.Argument(help="Shop name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The versions of a shop's policy, oldest first, with what each change was.

    Example: policywatch history jcarpart
    """
    from monitor.history import shop_history
    from monitor.report import history_json, history_text

    found = shop_history(_reading(_config(check_targets=False)), shop)
    if as_json:
        _print_json(history_json(shop, found.versions, held=found.held, flaps=found.flaps))
    else:
        print(history_text(shop, found.versions, held=found.held, flaps=found.flaps))


@app.command()
@_handles_errors
def show(
    shop: Annotated[str, typer.Argument(help="Shop name.")],
    version: Annotated[int | None, typer.Option("--version", help="Version id.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="The version current at this date (ISO 8601).")] = None,
) -> None:
    """Print the normalized text of one version (default: the latest).

    Example: policywatch show jcarpart --at 2026-01-31
    """
    from monitor.history import resolve_version

    if version is not None and at is not None:
        raise UsageError("give --version or --at, not both")
    database = _reading(_config(check_targets=False))
    ref = str(version) if version is not None else at
    sys.stdout.write(resolve_version(database, shop, ref).text.rstrip("\n") + "\n")


FORMATS = ("text", "unified", "json", "html")


def _check_format(value: str) -> str:
    if value not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}")
    return value


FormatOption = Annotated[
    str, typer.Option("--format", "-f", callback=_check_format, help="text, unified, json or html.")
]
ContextOption = Annotated[int, typer.Option("--context", help="Unchanged sentences shown around a change (text).")]


def _render(diff_report: Any, fmt: str, context: int, title: str, old_label: str, new_label: str) -> None:
    from monitor.render import render_diff

    color = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    output = render_diff(
        diff_report.diff, diff_report.classification, fmt=fmt, color=color, context=context,  # type: ignore[arg-type]
        title=title, old_label=old_label, new_label=new_label,
    )
    sys.stdout.write(output if output.endswith("\n") else output + "\n")


@app.command()
@_handles_errors
def diff(
    shop: Annotated[str, typer.Argument(help="Shop name.")],
    from_ref: Annotated[str | None, typer.Option("--from", help="Version id or date (default: the one before --to).")] = None,
    to_ref: Annotated[str | None, typer.Option("--to", help="Version id or date (default: the latest).")] = None,
    fmt: FormatOption = "text",
    context: ContextOption = 1,
) -> None:
    """Show what changed between two versions of a shop's policy (default: the last change).

    Example: policywatch diff jcarpart --from 2026-01-01 --format json
    """
    from monitor.history import diff_versions

    found = diff_versions(_reading(_config(check_targets=False)), shop, from_ref, to_ref)
    _render(
        found.report, fmt, context, f"{shop}: version {found.old.id} → {found.new.id}",
        f"version {found.old.id} ({found.old.first_seen:%Y-%m-%d})", f"version {found.new.id} ({found.new.first_seen:%Y-%m-%d})",
    )


@app.command()
@_handles_errors
def compare(
    old: Annotated[Path, typer.Argument(help="The older file (HTML, Markdown or text).")],
    new: Annotated[Path, typer.Argument(help="The newer file.")],
    language: Annotated[str | None, typer.Option("--language", help="Language code when detection is not wanted.")] = None,
    fmt: FormatOption = "text",
    context: ContextOption = 1,
) -> None:
    """Diff and classify two local files, with no database.

    Example: policywatch compare old.html new.html --format json
    """
    from monitor.compare import compare_texts
    from monitor.normalize import normalize_file

    for path in (old, new):
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    old_doc, new_doc = normalize_file(old, language=language), normalize_file(new, language=language)
    report = compare_texts(old_doc.text, new_doc.text, language=language or new_doc.language or old_doc.language)
    _render(report, fmt, context, f"{old} → {new}", str(old), str(new))


@app.command("import")
@_handles_errors
def import_(
    shop: Annotated[str, typer.Argument(help="Shop name.")],
    file: Annotated[Path, typer.Argument(help="HTML, Markdown or text file.")],
    at: Annotated[str | None, typer.Option("--at", help="When this version was seen (ISO 8601; default now).")] = None,
) -> None:
    """Record a local file as a version of a shop's policy, to backfill history.

    Example: policywatch import jcarpart policy-2024.html --at 2024-03-01
    """
    from monitor.history import import_file, import_time

    config = _config()
    shop_config = config.shop(shop)
    if shop_config is None:
        raise UsageError(f"unknown shop {shop!r} (not in {config.source})")
    version = import_file(_database(config), shop, file, at=import_time(at), language=shop_config.language)
    if version is None:
        _stderr(f"{shop}: {file} is the same text as the version current then; nothing recorded")
    else:
        label = ", ".join(version.categories) if version.material else "no material change"
        _stderr(f"{shop}: recorded version {version.id} ({label})")


@app.command()
@_handles_errors
def reprocess(
    shop: Annotated[list[str] | None, typer.Option("--shop", "-s", help="Only this shop (repeatable).")] = None,
) -> None:
    """Re-normalize stored snapshots after an upgrade; differences become technical versions.

    Example: policywatch reprocess --shop jcarpart
    """
    from monitor.process import reprocess as reprocess_shops

    config = _config()
    for name in shop or []:
        if config.shop(name) is None:
            raise UsageError(f"unknown shop {name!r} (not in {config.source})")
    report = reprocess_shops(_database(config), config, shop or None)
    _stderr(f"{report.checks} shops re-normalized: {len(report.versions)} technical versions, {report.unchanged} unchanged")
    for name, problem in report.problems:
        _stderr(f"  {name}: {problem}")


@app.command()
@_handles_errors
def watch() -> None:
    """Run until stopped (SIGTERM/SIGINT): crawl each shop when its interval is due.

    Each pass runs as a child `policywatch crawl` process, one at a time.

    Example: policywatch --config /etc/policywatch.toml watch
    """
    from monitor.watch import watch as run_watch

    config = _config()
    report = run_watch(config)
    _stderr(f"watch stopped after {report.passes} passes")


@app.command()
@_handles_errors
def notify(
    test: Annotated[bool, typer.Option("--test", help="Send a test message.")] = False,
    target: Annotated[int | None, typer.Option("--target", help="Only the [[notify]] target with this index (from 0).")] = None,
) -> None:
    """Send a test message to the notification targets, to check their URLs.

    Example: policywatch notify --test --target 0
    """
    from monitor.notify import send_test

    if not test:
        raise UsageError("nothing to do: use --test")
    results = send_test(_config(), target)
    for result in results:
        _stderr(f"{result.target}: {'sent' if result.sent else 'failed: ' + (result.error or 'unknown error')}")
    if not results:
        raise UsageError("the config has no [[notify]] targets")
    if not all(result.sent for result in results):
        raise typer.Exit(1)


@app.command()
@_handles_errors
def deliveries(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    pending: Annotated[bool, typer.Option("--pending", help="Only deliveries not sent yet.")] = False,
) -> None:
    """List the notification deliveries: sent, pending, failing (targets shown masked).

    Example: policywatch deliveries --pending
    """
    from monitor.notify import list_deliveries
    from monitor.report import deliveries_text

    config = _config()
    views = list_deliveries(_database(config), config, include_sent=not pending)
    if as_json:
        _print_json({"deliveries": [view.to_json() for view in views]})
    else:
        print(deliveries_text([view.to_json() for view in views]))


@app.command()
@_handles_errors
def demo(
    keep: Annotated[Path | None, typer.Option("--keep", help="Keep the demo's files in this folder.")] = None,
) -> None:
    """Run a self-contained demo: five shops served on loopback, crawled twice, then a diff.

    Example: policywatch demo
    """
    from monitor.demo import run_demo

    run_demo(keep)


def main() -> None:
    """Console entry point: unexpected errors become one line, not a traceback."""
    try:
        app()
    except Exception as exc:  # the last line of defence; --debug shows the traceback
        if options.debug:
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _stderr(f"Error: internal error: {message} (run with --debug for the traceback)")
        sys.exit(1)


if __name__ == "__main__":
    main()
