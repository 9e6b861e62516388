"""The lint fix preview: what sqlfluff would change in each file, before anything is written."""

from __future__ import annotations

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.widgets import Button, Static

from martflow.core.lint_fixes import FileFix, fixes_summary
from martflow.core.safe_text import visible
from martflow.tui.dialogs.base import MartflowDialog


class LintFixDialog(MartflowDialog[bool]):
    """Shows each file's unified diff; dismisses with True to apply, False to cancel."""

    FRAME_ID = "lint-fix-dialog"
    DEFAULT_CSS = """
    LintFixDialog #lint-fix-dialog { width: 95%; max-width: 140; height: 1fr; }
    LintFixDialog .dialog-body { height: 1fr; max-height: 1fr; }
    LintFixDialog #lint-fix-files { color: $text-muted; }
    LintFixDialog #lint-fix-diff-scroll {
        height: 1fr; min-height: 4; border: round $primary 50%;
    }
    LintFixDialog #lint-fix-diff { width: auto; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Apply", id="confirm_yes"),
        Binding("escape,n", "answer(False)", "Cancel", id="confirm_no"),
    ]

    def __init__(self, key: str, fixes: tuple[FileFix, ...]) -> None:
        super().__init__()
        self.key = key
        self.fixes = fixes
        self.title_text = f"Fix lint in {key}"

    def compose_body(self) -> ComposeResult:
        summary = f"{fixes_summary(self.fixes)}. Apply (y) writes them; Cancel (n) writes nothing."
        yield Static(summary, id="lint-fix-summary", markup=False)
        files = "\n".join(f"  {fix.path}" for fix in self.fixes)
        yield Static(visible(files, keep_newlines=True), id="lint-fix-files", markup=False)
        with ScrollableContainer(id="lint-fix-diff-scroll"):
            yield Static(diff_view(self.fixes), id="lint-fix-diff")

    def compose_buttons(self) -> ComposeResult:
        count = len(self.fixes)
        label = f"Apply to {count} file{'' if count == 1 else 's'} (y)"
        yield Button(label, id="lint-fix-apply", variant="primary")
        yield Button("Cancel (n)", id="lint-fix-cancel")

    def on_mount(self) -> None:
        self.query_one("#lint-fix-apply", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "lint-fix-apply")

    def action_answer(self, apply: bool) -> None:
        self.dismiss(apply)


def diff_view(fixes: tuple[FileFix, ...]) -> Syntax:
    """Every file's unified diff, one after the other, highlighted."""
    # Bidi and zero-width characters are shown escaped: the reviewer sees what is written.
    text = "".join(fix.diff() for fix in fixes)
    return Syntax(visible(text, keep_newlines=True, keep_tabs=True), "diff", theme="ansi_dark")
