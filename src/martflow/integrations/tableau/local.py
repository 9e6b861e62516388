"""Local mode (the default): the packaged workbook is written to a folder."""

from __future__ import annotations

from pathlib import Path

from martflow.core.models import PublishResult, TicketSpec
from martflow.core.ports import PublishJournal
from martflow.integrations.tableau.package import (
    MartReader,
    build_live_workbook,
    build_package,
    dry_run_sketch,
    extract_member,
    model_name,
)


class LocalTableauPublisher:
    """Writes ``<output_dir>/<mart_model>.twbx``; the loose .twb and .hyper stay under state."""

    def __init__(
        self, reader: MartReader, output_dir: Path, state_dir: Path, connection: str = "extract"
    ) -> None:
        self.reader = reader
        self.output_dir = Path(output_dir)
        self.state_dir = Path(state_dir)
        self.connection = connection
        """``extract`` (a .twbx with a .hyper) or ``live`` (a .twb querying the warehouse)."""

    def paths(self, spec: TicketSpec) -> dict[str, str]:
        """Where a publish of ``spec`` writes its files."""
        name = model_name(spec)
        build = self.state_dir / "tableau" / name
        return {
            "twbx": str(self.output_dir / f"{name}.twbx"),
            "twb": str(build / f"{name}.twb"),
            "hyper": str(build / extract_member(spec)),
        }

    def publish(
        self,
        spec: TicketSpec,
        key: str,
        dry_run: bool = False,
        journal: PublishJournal | None = None,
    ) -> PublishResult:
        """Extract the mart and write the .twbx; with ``dry_run``, say where and sketch the
        dashboard (a PNG under the state folder, and text) instead.

        Writing a file starts no server-side work, so ``journal`` is not used.
        """
        live = self.connection == "live"
        if dry_run:
            png = self.state_dir / "tableau" / model_name(spec) / f"{model_name(spec)}.sketch.png"
            drawn, text, sketch_at = dry_run_sketch(self.reader, spec, key, live, png)
            if live:
                location = str(self.output_dir / f"{model_name(spec)}.twb")
                return PublishResult(location, {"twb": location, **drawn}, text, sketch_at)
            paths = self.paths(spec)
            return PublishResult(paths["twbx"], {**paths, **drawn}, text, sketch_at)
        if live:
            twb = self.output_dir / f"{model_name(spec)}.twb"
            build_live_workbook(self.reader, spec, twb, key)
            return PublishResult(location=str(twb), artifacts={"twb": str(twb)})
        paths = self.paths(spec)
        package = build_package(
            self.reader,
            spec,
            self.state_dir / "tableau" / model_name(spec),
            Path(paths["twbx"]),
            self.state_dir / "logs" / "hyper",
            key,
        )
        return PublishResult(location=str(package.twbx), artifacts=package.artifacts())
