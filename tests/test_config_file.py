"""config.toml as `init --existing` writes it: every key, documented, and read back the same."""

from __future__ import annotations

from pathlib import Path

from martflow.config import Config, parse_config
from martflow.config_file import render_config


def test_rendered_config_reads_back_and_documents_every_key(tmp_path: Path) -> None:
    values = {
        "dbt": {"project_dir": "transform", "profiles_dir": "~/.dbt", "target": "dev"},
        "lint": {"dialect": None},
        "scaffold": {"source_schemas": {"crm": "landing", "odd name": 'a"b'}},
        "git": {"default_branch": "develop"},
    }
    text = render_config(values, {"git.default_branch": "from origin/HEAD"})
    path = tmp_path / "config.toml"
    path.write_text(text)

    config = parse_config(path)
    assert config.dbt.project_dir == "transform" and config.dbt.target == "dev"
    assert config.lint.dialect is None
    assert config.scaffold.source_schemas == {"crm": "landing", "odd name": 'a"b'}
    assert config.git.default_branch == "develop"
    assert config.tracker == Config().tracker
    assert '# (from origin/HEAD)\ndefault_branch = "develop"' in text
    for section, field in Config.model_fields.items():
        assert f"[{section}]" in text
        model = field.annotation
        for key, info in model.model_fields.items():
            if hasattr(info.annotation, "model_fields"):
                assert f"[{section}.{key}]" in text
                continue
            first_doc_line = (info.description or "").split("\n")[0]
            assert f"# {' '.join(first_doc_line.split())}\n" in text, (section, key)
            assert f"\n{key} = " in text or f"\n# {key} = " in text, (section, key)
