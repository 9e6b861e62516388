"""One measure drawn in the terminal: bars by a category, or a line over time."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from martflow.services.mart_preview import ChartSeries

MAX_LABEL = 24
MAX_TICKS = 6
FRAME_ROWS = 4
"""Title, top and bottom border, axis ticks."""


class MeasureChart(PlotextPlot):
    """A plotext chart of one ChartSeries (built once; a new preview mounts new charts)."""

    DEFAULT_CSS = """
    MeasureChart {
        height: 16;
        width: 1fr;
        margin-bottom: 1;
    }
    """

    def __init__(self, series: ChartSeries, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.series = series
        self._draw()

    def _draw(self) -> None:
        series, plt = self.series, self.plt
        plt.title(series.title)
        labels = [_clean(label) for label in series.labels]
        values = list(series.values)
        if not values:
            return
        if series.kind == "bar":
            # Horizontal, biggest on top (plotext draws the last bar on top); two rows per bar
            # keeps each bar's length true to its value.
            plt.bar(labels[::-1], values[::-1], orientation="horizontal", width=0.5)
            self.styles.height = 2 * len(values) + FRAME_ROWS
            return
        xs: list[float] = list(range(len(values)))
        plt.plot(xs, values, marker="braille")
        step = max(1, -(-len(xs) // MAX_TICKS))
        ticks = xs[::step]
        plt.xticks(ticks, [labels[int(i)] for i in ticks])


def _clean(label: str) -> str:
    """Warehouse text as a plain, short label: plotext output is parsed as ANSI."""
    text = "".join(ch if ch.isprintable() else "?" for ch in label)
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"
