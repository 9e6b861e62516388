"""The headless domain: models, ports, spec parsing and the workflow engine."""
