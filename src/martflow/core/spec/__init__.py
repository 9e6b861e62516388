"""The ticket spec: find it in a description, parse and validate it, write it back as YAML.

``extract`` finds the block, ``yaml_io`` reads and writes the YAML, ``validation`` turns
the mapping into a ``TicketSpec`` (``references`` checks names and columns, ``measures``
what the mart computes); the naming rules it checks are ``core.naming``'s.
"""

from __future__ import annotations

from martflow.core.naming import MAX_IDENTIFIER
from martflow.core.spec.extract import extract_spec_text
from martflow.core.spec.validation import KEYS, MAX_DASHBOARD, validate_spec
from martflow.core.spec.yaml_io import MAX_SPEC_BYTES, load_spec, parse_spec, spec_to_yaml

__all__ = [
    "KEYS",
    "MAX_DASHBOARD",
    "MAX_IDENTIFIER",
    "MAX_SPEC_BYTES",
    "extract_spec_text",
    "load_spec",
    "parse_spec",
    "spec_to_yaml",
    "validate_spec",
]
