"""The spec editor: pick sources and columns from the warehouse, see the YAML and its problems."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Checkbox, Footer, Header, Input, Select, Static

from martflow.errors import MartflowError
from martflow.services.catalog import CatalogTable
from martflow.services.spec_draft import (
    LoadedDraft,
    PostResult,
    SpecDraft,
    draft_to_yaml,
    validate_text,
)
from martflow.tui.dialogs.confirm import ConfirmDialog
from martflow.tui.messages import ErrorRaised
from martflow.tui.screens.base import MartflowScreen
from martflow.tui.widgets.source_tree import SourceTree
from martflow.tui.widgets.spec_form import SpecForm

if TYPE_CHECKING:
    from collections.abc import Awaitable


class SpecEditorScreen(MartflowScreen[None]):
    """Edit ``specs/KEY.yml``: validated on every change, saved only when valid."""

    BINDINGS = [
        Binding("ctrl+s", "save_spec", "Save", id="save_spec"),
        Binding("escape", "close_editor", "Close", id="close_editor"),
    ]

    DEFAULT_CSS = """
    SpecEditorScreen #editor-title { height: 1; padding: 0 1; text-style: bold; }
    SpecEditorScreen #editor-body { height: 1fr; }
    SpecEditorScreen #catalog-pane { width: 2fr; border: round $primary 50%; }
    SpecEditorScreen #catalog-status { height: auto; padding: 0 1; color: $text-muted; }
    SpecEditorScreen #catalog-status.-error { color: $error; }
    SpecEditorScreen SpecForm { width: 3fr; border: round $primary 50%; }
    SpecEditorScreen #editor-bottom { height: 14; }
    SpecEditorScreen #preview-pane { width: 3fr; border: round $secondary 50%; }
    SpecEditorScreen #problems { width: 2fr; border: round $success 50%; padding: 0 1; }
    SpecEditorScreen #problems.-invalid { border: round $error; color: $error; }
    """

    class DraftLoaded(Message):
        """The ticket's current spec was read, as far as it parses."""

        def __init__(self, loaded: LoadedDraft, warning: str = "") -> None:
            super().__init__()
            self.loaded = loaded
            self.warning = warning

    class CatalogLoaded(Message):
        """The warehouse listed its source tables (``error`` set when it could not)."""

        def __init__(self, tables: list[CatalogTable], error: str = "") -> None:
            super().__init__()
            self.tables = tables
            self.error = error

    class SpecSaved(Message):
        """The spec file was written (and, if asked, the comment posted or queued)."""

        def __init__(self, path: Path, posted: PostResult | None, yaml_text: str) -> None:
            super().__init__()
            self.path = path
            self.yaml_text = yaml_text
            self.posted = posted

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
        self.yaml_text = ""
        self.problems: list[str] = []
        self.saved_yaml: str | None = None
        """The YAML as loaded or last saved; None until the draft is in."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Spec of {self.key} · loading…", id="editor-title", markup=False)
        with Horizontal(id="editor-body"):
            with Vertical(id="catalog-pane"):
                yield Static("loading warehouse…", id="catalog-status", markup=False)
                yield SourceTree(id="source-tree")
            yield SpecForm(id="spec-form", disabled=True)
        with Horizontal(id="editor-bottom"):
            with VerticalScroll(id="preview-pane", can_focus=False):
                yield Static("", id="yaml-preview", markup=False)
            yield Static("", id="problems", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.revalidate()
        self.load_draft()
        self.load_catalog()

    # -- loading ------------------------------------------------------------------------

    @work(thread=True, exclusive=True, exit_on_error=False, group="spec-draft")
    def load_draft(self) -> None:
        from martflow.services.spec_draft import load_draft

        try:
            loaded = load_draft(self.martflow.context, self.key)
        except MartflowError as exc:
            self.post_message(
                self.DraftLoaded(LoadedDraft(SpecDraft()), f"{exc.title}: {exc.message}")
            )
            return
        self.post_message(self.DraftLoaded(loaded))

    def on_spec_editor_screen_draft_loaded(self, message: DraftLoaded) -> None:
        form = self.query_one(SpecForm)
        loaded = message.loaded
        form.fill(loaded.draft)
        form.mark_broken(loaded.broken)
        form.disabled = False
        self.query_one("#editor-title", Static).update(
            f"Spec of {self.key} · specs/{self.key}.yml · ctrl+s saves, escape closes"
        )
        if message.warning:
            self.notify(f"{message.warning}; starting from an empty spec.", severity="warning")
        elif loaded.problems:
            count = len(loaded.problems)
            self.notify(
                f"The spec does not validate ({count} problem{'s' if count > 1 else ''}): "
                "the fields at fault are marked.",
                severity="warning",
            )
        self.revalidate()
        self.saved_yaml = self.yaml_text
        first = next((n for n in form.FIELD_ORDER if n in loaded.broken), "mart")
        form.focus_field(first)

    @work(thread=True, exclusive=True, exit_on_error=False, group="spec-catalog")
    def load_catalog(self) -> None:
        from martflow.services.catalog import source_catalog

        try:
            tables = source_catalog(self.martflow.context)
        except MartflowError as exc:
            self.post_message(self.CatalogLoaded([], exc.message))
            return
        self.post_message(self.CatalogLoaded(tables))

    def on_spec_editor_screen_catalog_loaded(self, message: CatalogLoaded) -> None:
        status = self.query_one("#catalog-status", Static)
        status.set_class(bool(message.error), "-error")
        tree = self.query_one(SourceTree)
        tree.show_tables(message.tables)
        tree.mark_sources(self.query_one(SpecForm).draft().sources)
        if message.error:
            status.update(f"Could not read the warehouse: {message.error}\nType names instead.")
        elif not message.tables:
            status.update(
                "No source tables: set [scaffold] source_schemas in config.toml, "
                "or type source.table names."
            )
        else:
            status.update(
                f"{len(message.tables)} tables · space source · → columns · "
                "g grain · d dimension · m sum"
            )

    # -- editing ------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self) -> None:
        self.revalidate()

    def revalidate(self) -> None:
        """Re-render the YAML and its problems from the form (pure and fast: UI thread)."""
        form = self.query_one(SpecForm)
        draft = form.draft()
        text = draft_to_yaml(draft)
        if text == self.yaml_text:
            return
        self.yaml_text = text
        self.problems = validate_text(text, f"specs/{self.key}.yml")
        self.query_one("#yaml-preview", Static).update(self.yaml_text)
        problems = self.query_one("#problems", Static)
        problems.set_class(bool(self.problems), "-invalid")
        if self.problems:
            problems.update("\n".join(f"• {p}" for p in self.problems))
        else:
            problems.update("✓ Valid spec - ctrl+s saves it")
        tree = self.query_one(SourceTree)
        if set(draft.sources) != tree.chosen:
            tree.mark_sources(draft.sources)

    def on_source_tree_source_toggled(self, message: SourceTree.SourceToggled) -> None:
        added = self.query_one(SpecForm).toggle_source(message.source)
        self.notify(f"{'Added' if added else 'Removed'} source {message.source}", timeout=2)

    def on_source_tree_column_picked(self, message: SourceTree.ColumnPicked) -> None:
        form = self.query_one(SpecForm)
        column = f"{message.table}.{message.column}"
        if message.source not in form.draft().sources:
            form.toggle_source(message.source)
        item = f"total_{message.column}=sum({column})" if message.target == "measures" else column
        if form.add_item(message.target, item):
            self.notify(f"Added {item} to {message.target}", timeout=2)
        else:
            self.notify(f"{item} is already in {message.target}", timeout=2)

    # -- saving -------------------------------------------------------------------------

    def action_save_spec(self) -> None:
        if self.problems:
            count = len(self.problems)
            self.notify(
                f"Not saved: {count} problem{'s' if count > 1 else ''} to fix first.",
                severity="error",
            )
            return
        post = self.query_one("#spec-post", Checkbox).value
        self.save(self.yaml_text, post)

    @work(thread=True, exclusive=True, exit_on_error=False, group="spec-save")
    def save(self, yaml_text: str, post: bool) -> None:
        from martflow.services.spec_draft import post_spec, save_spec

        context = self.martflow.context
        try:
            path = save_spec(context, self.key, yaml_text)
        except MartflowError as exc:
            self.post_message(ErrorRaised("Spec not saved", exc.message))
            return
        posted = None
        if post:
            try:
                posted = post_spec(context, self.key, yaml_text)
            except MartflowError as exc:
                self.post_message(ErrorRaised("Spec saved but not posted", exc.message))
        self.post_message(self.SpecSaved(path, posted, yaml_text))

    def on_spec_editor_screen_spec_saved(self, message: SpecSaved) -> None:
        self.saved_yaml = message.yaml_text
        self.query_one(SpecForm).mark_broken(frozenset())
        self.notify(f"Saved specs/{message.path.name}", title=self.key)
        posted = message.posted
        if posted is not None:
            self.martflow.count_queued(posted.detail if posted.state == "queued" else "")
            if posted.state == "queued":
                self.notify(
                    f"Comment queued ({posted.detail}); press s to sync.", severity="warning"
                )
            elif posted.state == "already":
                self.notify("This spec is already on the ticket.")
            else:
                self.notify("Posted the spec to the ticket.")

    @property
    def unsaved(self) -> bool:
        """True when the form differs from the spec as loaded or last saved."""
        return self.saved_yaml is not None and self.yaml_text != self.saved_yaml

    def action_close_editor(self) -> Awaitable[None] | None:
        if not self.unsaved:
            return self.dismiss(None)
        question = ConfirmDialog(
            "Discard unsaved edits?",
            f"The spec of {self.key} has edits that are not saved. Close and lose them, "
            "or cancel and press ctrl+s to save (a spec saves once it validates).",
            "Discard",
            danger=True,
        )

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(question, answered)
        return None
