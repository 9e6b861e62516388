"""Root click group (placeholder until the CLI lands)."""

def main() -> None:
    print("martflow")
