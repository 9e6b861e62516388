"""What martflow last wrote: {path relative to the project: sha256 of the content}."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from martflow.errors import ScaffoldError
from martflow.project_scaffold.atomic import atomic_write_text

MANIFEST_NAME = "scaffold-manifest.json"


def sha256(text: str) -> str:
    """Hex digest of the UTF-8 bytes of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_manifest(path: Path) -> dict[str, str]:
    """The manifest's entries; empty when there is none yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ScaffoldError(f"{path} is unreadable ({exc}); remove it to start over") from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise ScaffoldError(f"{path} is not a {{path: sha256}} object; remove it to start over")
    return data


def save_manifest(path: Path, entries: dict[str, str]) -> None:
    """Write the manifest atomically, keys sorted so reruns give the same bytes."""
    atomic_write_text(path, json.dumps(entries, indent=2, sort_keys=True) + "\n")
