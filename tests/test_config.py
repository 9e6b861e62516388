"""config.toml: discovery, validation messages, secrets and redaction."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from martflow.config import Config, find_config, load_project, parse_config
from martflow.errors import ConfigError, ExitCode
from martflow.secrets import RedactingFilter, SecretStore

SAMPLE = Path(__file__).resolve().parents[1] / "config.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_sample_config_is_valid_and_documents_every_key():
    config = parse_config(SAMPLE)
    assert config == Config()
    text = SAMPLE.read_text()
    for section, model in Config.model_fields.items():
        if section == "keys":
            continue
        assert f"[{section}]" in text, section
        for key in model.annotation.model_fields:
            shown = (f"\n{key} =", f"\n# {key} =", f"[{section}.{key}]")  # "# key =": unset
            assert any(form in text for form in shown), f"{section}.{key}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tracker]\nprojct = "X"', "[tracker] projct: unknown key (did you mean 'project'?)"),
        ("[trackr]\nkind = 1", "trackr: unknown key (did you mean 'tracker'?)"),
        (
            '[tracker.statuses]\nbuidl = "Done"',
            "[tracker.statuses] buidl: unknown key (did you mean 'build'?)",
        ),
        ('[tracker]\ntimeout = "soon"', "[tracker] timeout: input should be a valid number"),
        ('[lint]\ntemplater = "mako"', "[lint] templater: input should be 'jinja' or 'dbt'"),
        ('[tracker]\nproject = "demo-1"', "[tracker] project: must be upper-case"),
        ("[git]\npush = 3", "[git] push: input should be a valid boolean"),
        # No coercion between strings, numbers and booleans.
        (
            '[tracker]\ntimeout = "30"',
            "[tracker] timeout: input should be a valid number, got '30' "
            "(write a number, without quotes)",
        ),
        (
            '[git]\npush = "yes"',
            "[git] push: input should be a valid boolean, got 'yes' "
            "(write true or false, without quotes)",
        ),
        (
            "[git]\npush = 1",
            "[git] push: input should be a valid boolean, got 1 "
            "(write true or false, without quotes)",
        ),
        ("[tracker]\nproject = 1", "[tracker] project: input should be a valid string, got 1"),
        (
            "[tracker]\ntimeout = true",
            "[tracker] timeout: input should be a valid number, got True",
        ),
        ('[lint]\nrules = "LT01"', "[lint] rules: input should be a valid list, got 'LT01'"),
        # Times are finite and positive.
        ("[tracker]\ntimeout = inf", "[tracker] timeout: input should be a finite number, got inf"),
        ("[tableau]\ntimeout = nan", "[tableau] timeout: input should be a finite number, got nan"),
        ("[tableau]\ntimeout = 0", "[tableau] timeout: input should be greater than 0, got 0"),
        # Branch patterns are checked at load, naming the placeholder.
        (
            '[git]\nbranch = "{user}/{key}"',
            "[git] branch: pattern '{user}/{key}' uses the unknown placeholder {user}; "
            "only {key} and {slug} are allowed",
        ),
        (
            '[git]\nbranch = "{key:>10}"',
            "[git] branch: pattern '{key:>10}' uses the unknown placeholder {key:>10}",
        ),
        (
            '[git]\nbranch = "feature..{key}"',
            "[git] branch: pattern 'feature..{key}' does not give a valid branch name",
        ),
        (
            '[git]\npass_env = ["TABLEAU_TOKEN_SECRET"]',
            "[git] pass_env: TABLEAU_TOKEN_SECRET is a secret; martflow never passes it to git",
        ),
        ("[tracker\n", "not valid TOML"),
    ],
)
def test_bad_config_is_one_line_naming_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        parse_config(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)
    assert "\n" not in str(error.value)
    assert error.value.exit_code is ExitCode.USAGE


def test_whole_numbers_are_fine_where_a_time_is_meant(tmp_path):
    config = parse_config(write(tmp_path, "[tracker]\ntimeout = 5\n[tableau]\ntimeout = 2.5"))
    assert (config.tracker.timeout, config.tableau.timeout) == (5.0, 2.5)


def test_discovery_order(tmp_path, monkeypatch):
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    walked = write(tmp_path, "")
    env_file = tmp_path / "env.toml"
    env_file.write_text("")
    explicit = tmp_path / "explicit.toml"
    explicit.write_text("")
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    assert find_config(cwd=nested) == walked
    monkeypatch.setenv("MARTFLOW_CONFIG", str(env_file))
    assert find_config(cwd=nested) == env_file.resolve()
    assert find_config(explicit, cwd=nested) == explicit.resolve()
    with pytest.raises(ConfigError, match="no such config file"):
        find_config(tmp_path / "missing.toml")


def test_project_paths_are_relative_to_the_config(tmp_path, monkeypatch):
    monkeypatch.delenv("MARTFLOW_CONFIG", raising=False)
    write(tmp_path, '[dbt]\nproject_dir = "analytics"\n[tableau]\noutput_dir = "out"')
    project = load_project(cwd=tmp_path)
    assert project.root == tmp_path
    assert project.dbt_project_dir == tmp_path / "analytics"
    assert project.models_dir == tmp_path / "analytics" / "models"
    assert project.output_dir == tmp_path / "out"
    assert project.state_dir == tmp_path / ".martflow"


def test_secret_is_read_once_and_removed_from_environment(monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", "tok-123456")
    store = SecretStore()
    assert store.get("JIRA_API_TOKEN") == "tok-123456"
    import os

    assert "JIRA_API_TOKEN" not in os.environ
    assert store.get("JIRA_API_TOKEN") == "tok-123456"


def test_headless_keyring_falls_back_to_environment_and_says_so_in_the_hint(monkeypatch):
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    monkeypatch.delenv("TABLEAU_TOKEN_SECRET", raising=False)
    keyring.set_keyring(FailKeyring())
    store = SecretStore()
    assert "or store it in the keyring" in store.how_to_set("TABLEAU_TOKEN_SECRET")
    assert store.get("TABLEAU_TOKEN_SECRET") is None
    assert store.get("CONFLUENCE_API_TOKEN") is None
    assert store.how_to_set("TABLEAU_TOKEN_SECRET") == (
        "set TABLEAU_TOKEN_SECRET (this machine has no system keyring: NoKeyringError)"
    )


def test_a_log_line_written_while_reading_the_keyring_does_not_deadlock(monkeypatch):
    """The redacting filter reads the store while the store itself is logging."""
    import keyring
    from keyring.backends.fail import Keyring as FailKeyring

    monkeypatch.delenv("TABLEAU_TOKEN_SECRET", raising=False)
    keyring.set_keyring(FailKeyring())
    store = SecretStore()
    logger = logging.getLogger("martflow.secrets")
    handler = logging.Handler(logging.DEBUG)
    handler.addFilter(RedactingFilter(store))
    handler.emit = lambda record: None  # type: ignore[method-assign]
    logger.addHandler(handler)
    monkeypatch.setattr(logger, "level", logging.DEBUG)
    outcome: list[object] = []
    worker = threading.Thread(
        target=lambda: outcome.append(store.get("TABLEAU_TOKEN_SECRET")), daemon=True
    )
    try:
        worker.start()
        worker.join(timeout=10)
    finally:
        logger.removeHandler(handler)
    assert not worker.is_alive(), "SecretStore.get deadlocked on its own log filter"
    assert outcome == [None]


def test_log_lines_are_redacted(monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN", "s3cr3t-token-value")
    store = SecretStore()
    store.get("JIRA_API_TOKEN")
    record = logging.LogRecord(
        "jira",
        logging.WARNING,
        __file__,
        1,
        "sent %s with headers {'Authorization': 'Basic abc123=='}",
        ("s3cr3t-token-value",),
        None,
    )
    RedactingFilter(store).filter(record)
    message = record.getMessage()
    assert "s3cr3t-token-value" not in message
    assert "abc123" not in message
    assert "***" in message


def test_configuration_reference_lists_every_key():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text()

    def walk(prefix: str, model) -> None:
        assert f"## [{prefix}]" in doc, prefix
        for key, field in model.model_fields.items():
            if hasattr(field.annotation, "model_fields"):
                walk(f"{prefix}.{key}", field.annotation)
            else:
                assert f"| `{key}` |" in doc, f"{prefix}.{key}"

    for section, field in Config.model_fields.items():
        walk(section, field.annotation)


def test_dbt_pass_env_takes_variable_names_but_never_martflows_secrets(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[dbt]\npass_env = ["PGPASSWORD", "SNOWFLAKE_PASSWORD"]\n')
    assert parse_config(path).dbt.pass_env == ["PGPASSWORD", "SNOWFLAKE_PASSWORD"]
    for bad, message in (('"PG PASSWORD"', "not environment variable names"),
                         ('"JIRA_API_TOKEN"', "never reaches dbt")):  # fmt: skip
        path.write_text(f"[dbt]\npass_env = [{bad}]\n")
        with pytest.raises(ConfigError, match=message):
            parse_config(path)


def test_quality_rates_are_shares_and_one_means_no_test(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[quality]\nmax_null_rate = 1\nnull_rates = { last_name = 0.1 }\n")
    quality = parse_config(path).quality
    assert quality.rate_of(quality.max_null_rate) is None
    assert quality.null_rates == {"last_name": 0.1} and quality.source_freshness is True
    for bad, message in (
        ("max_null_rate = 1.5", r"\[quality\] max_null_rate: must be a share from 0 to 1"),
        ('max_null_rate = "5%"', r"\[quality\] max_null_rate: input should be a valid number"),
        ("null_rates = { email = -0.1 }", r"\[quality\] null_rates: email: must be a share"),
    ):
        path.write_text(f"[quality]\n{bad}\n")
        with pytest.raises(ConfigError, match=message):
            parse_config(path)
