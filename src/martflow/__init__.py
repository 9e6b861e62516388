"""martflow: walk an analytics ticket from the tracker to a published dashboard."""

__version__ = "0.1.0"
