"""``libriassist eval language``: the language detector scored on a labelled file."""

import json
from pathlib import Path
from typing import Annotated

import typer

from libriassist.kit.cli import fail


def eval_language(
    file: Annotated[
        Path, typer.Argument(help='JSON lines with "text" and "lang" (+ "script", ...).')
    ],
    prior: Annotated[
        str | None, typer.Option(help="A prior language, as a widget would give (default none).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Score the language detector: accuracy, precision/recall/F1 per language, macro-F1,
    the confusion matrix, and the same by script when the file gives one."""
    from libriassist.chat import language_eval
    from libriassist.kit.language import LANGUAGES

    if prior is not None and prior not in LANGUAGES:
        fail(f"--prior must be one of {', '.join(LANGUAGES)}")
    try:
        examples = language_eval.load_examples(file)
    except language_eval.EvalFileError as exc:
        fail(str(exc))
    result = language_eval.evaluate(examples, prior)
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        typer.echo(language_eval.format_report(result))
