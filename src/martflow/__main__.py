"""`python -m martflow`."""

from martflow.cli import main

main()
