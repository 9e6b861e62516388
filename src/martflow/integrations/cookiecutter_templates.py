"""cookiecutter as ``core.ports.TemplateRenderer``: templates render with no hooks run."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from martflow.errors import ScaffoldError

# cookiecutter chdirs into the template while rendering: one rendering at a time.
_RENDER_LOCK = threading.Lock()


class CookiecutterRenderer:
    """Implements ``core.ports.TemplateRenderer`` with cookiecutter (imported on first use)."""

    def preload(self) -> None:
        """Import cookiecutter and Jinja in a thread (scaffolding waits for dbt meanwhile)."""
        threading.Thread(target=_import_renderer, daemon=True).start()

    def render_folder(self, template: Path, values: Mapping[str, object], output: Path) -> None:
        """Render ``template``'s tree with ``values`` into ``output``; ScaffoldError names the
        template file and line that failed."""
        from cookiecutter.generate import generate_files

        context = {"cookiecutter": dict(values)}
        with _RENDER_LOCK:
            try:
                # No hooks: rendering must not run code, and plan() must not touch the project.
                generate_files(
                    repo_dir=template, context=context, output_dir=output, accept_hooks=False
                )
            except Exception as exc:  # Jinja's errors, and a template's own: {{ 1 / 0 }}
                why = _why(exc, template)
                raise ScaffoldError(f"template {template} failed to render: {why}") from None

    def render_repo(self, template: Path, values: Mapping[str, str], staging: Path) -> Path:
        """Render the repo template under ``staging`` and return the rendered repo folder."""
        from cookiecutter.exceptions import CookiecutterException
        from cookiecutter.main import cookiecutter

        # Our own cookiecutter config: the user's default_context must not leak into the
        # template, and the replay file goes to staging instead of ~/.cookiecutter_replay.
        config = staging / "cookiecutter.yaml"
        config.write_text(
            f"replay_dir: '{staging / 'replay'}'\ncookiecutters_dir: '{staging / 'cache'}'\n",
            encoding="utf-8",
        )
        try:
            with _RENDER_LOCK:
                out = cookiecutter(
                    str(template),
                    no_input=True,
                    extra_context=dict(values),
                    output_dir=str(staging / "out"),
                    config_file=str(config),
                    accept_hooks=False,
                )
        except (CookiecutterException, OSError) as exc:
            raise ScaffoldError(f"cannot render the repo template: {exc}") from None
        return Path(out)


def _import_renderer() -> None:
    import cookiecutter.generate  # noqa: F401


def _why(exc: BaseException, templates: Path) -> str:
    """One line: what went wrong, and in which template file and line."""
    from jinja2 import TemplateError

    inner = getattr(exc, "error", None)  # cookiecutter keeps Jinja's own error here
    cause = inner if isinstance(inner, TemplateError) else exc
    message = getattr(cause, "message", None) or (str(cause).splitlines() or [""])[0]
    what = f"{type(cause).__name__}: {message}"
    where = _template_line(cause, templates)
    return f"{what} ({where})" if where else what


def _template_line(exc: BaseException, templates: Path) -> str:
    """``file, line N`` of the template where ``exc`` happened, if Jinja says."""
    name, line = getattr(exc, "filename", None) or getattr(exc, "name", None), _syntax_line(exc)
    tb = exc.__traceback__
    while tb is not None:  # Jinja adds a frame per template line to the traceback
        frame_file = tb.tb_frame.f_code.co_filename
        # cookiecutter renders from inside the template: its files have relative names
        if not Path(frame_file).is_absolute() or Path(frame_file).is_relative_to(templates):
            name, line = frame_file, tb.tb_lineno
        tb = tb.tb_next
    if not name or not line:
        return ""
    path = Path(str(name))
    if path.is_absolute() and path.is_relative_to(templates):
        path = path.relative_to(templates)
    elif not path.is_absolute():
        found = [p.relative_to(templates) for p in templates.rglob(path.name)]
        path = found[0] if len(found) == 1 else path
    return f"{path}, line {line}"


def _syntax_line(exc: BaseException) -> int | None:
    """The line a Jinja syntax error names (None for other errors)."""
    line = getattr(exc, "lineno", None)
    return line if isinstance(line, int) else None
