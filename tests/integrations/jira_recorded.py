"""Recorded Jira payloads the loopback Jira adapts, and the conversions a real Jira does.

Bodies come from ``../shared/ext``: Jira Server v2 from jira-ruby, Jira Cloud v2 from
atlassian-python-api, Cloud v3 examples from Atlassian's OpenAPI spec.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from tests.recorded import ext_path

ADF_BLOCKS = {"paragraph", "bulletList", "orderedList", "table", "codeBlock", "heading", "rule"}
ADF_INLINE = {"text", "hardBreak", "mention", "emoji", "inlineCard"}
ADF_MARKS = {"code", "strong", "em", "link", "strike", "underline"}


def load_json(*parts: str) -> Any:
    import json

    return json.loads(ext_path(*parts).read_text(encoding="utf-8"))


def python_api(path: str, index: int = 0) -> Any:
    """A response body from the atlassian-python-api Cloud recordings."""
    stub = load_json("jira_atlassian_python_api", "json", "jira", *path.split("/"))
    return stub["responses"][index]["body"]


class Recordings:
    """The recorded bodies the server adapts, per deployment type."""

    def __init__(self, deployment: str) -> None:
        ruby = "jira_ruby_mock_responses"
        cloud = deployment == "Cloud"
        if cloud:
            self.issue = python_api("rest/api/2/issue/FOO-123/GET.json")
            self.comment = load_json("jira_cloud_openapi", "examples", "addComment__201.json")
            self.comment.pop("visibility", None)
            self.myself = load_json("jira_cloud_openapi", "examples", "getCurrentUser__200.json")
        else:
            self.issue = load_json(ruby, "issue", "10002.json")
            self.comment = load_json(ruby, "issue", "10002", "comment.post.json")
            self.myself = load_json(ruby, "user_accountId=1234567890abcdef01234567.json")
        self.server_info = load_json("jira_cloud_openapi", "examples", "getServerInfo__200.json")
        self.server_info["deploymentType"] = deployment
        self.transition = load_json(ruby, "issue", "10002", "transitions.json")["transitions"][0]
        cloud_transitions = load_json("jira_cloud_openapi", "examples", "getTransitions__200.json")
        self.field_meta = cloud_transitions["transitions"][0]["fields"]["summary"]
        self.resolutions = load_json(ruby, "resolution.json")
        self.property = load_json(ruby, "issue", "10002", "properties", "xyz.json")
        self.project = load_json(ruby, "project", "SAMPLEPROJECT.json")
        self.issue_types = load_json("jira_cloud_openapi", "examples", "getAllStatuses__200.json")
        # The recording numbers system fields ("2" for summary); real Jira uses the name.
        self.fields = [
            {**f, "id": (f.get("schema") or {}).get("system") or f["id"]}
            for f in load_json(ruby, "field.json")
        ]
        self.created = load_json(ruby, "issue.post.json")
        self.remote_link = python_api("rest/api/2/issue/FOO-123/remotelink/GET.json")[0]
        self.bad_request = load_json(ruby, "issue", "10002.invalid.put.json")

    def resolution_field(self, names: tuple[str, ...], required: bool = True) -> dict[str, Any]:
        """A transition screen's Resolution field, shaped like Jira's field metadata."""
        meta = copy.deepcopy(self.field_meta)
        template = self.resolutions[0]
        meta.update(
            key="resolution",
            name="Resolution",
            required=required,
            hasDefaultValue=False,
            operations=["set"],
            schema={"type": "resolution", "system": "resolution"},
            allowedValues=[
                {**template, "name": name, "id": str(10000 + n)} for n, name in enumerate(names)
            ],
        )
        meta.pop("defaultValue", None)
        return meta

    def custom_field(self, name: str, field_type: str, required: bool = True) -> dict[str, Any]:
        """A required custom field without allowed values (``string``, ``number``...)."""
        meta = copy.deepcopy(self.field_meta)
        meta.update(
            key=name, name=name.replace("_", " ").title(), required=required, allowedValues=[]
        )
        meta["schema"] = {"type": field_type, "custom": f"com.example:{field_type}"}
        meta.pop("defaultValue", None)
        meta["hasDefaultValue"] = False
        return meta


def jira_time(when: datetime | None = None) -> str:
    """A timestamp the way Jira writes it: ``2024-05-01T10:02:14.430+0000``."""
    when = (when or datetime.now(UTC)).astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


def text_as_adf(text: str) -> dict[str, Any]:
    """What Cloud's v3 shows for a description stored as plain text: paragraphs."""
    content = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        inline: list[dict[str, Any]] = []
        for index, line in enumerate(chunk.split("\n")):
            if index:
                inline.append({"type": "hardBreak"})
            if line:
                inline.append({"type": "text", "text": line})
        content.append({"type": "paragraph", "content": inline})
    return {"type": "doc", "version": 1, "content": content}


def adf_as_wiki(node: Any) -> str:
    """A rough wiki rendering of ADF (what v2 shows for an ADF body)."""
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    inner = "".join(adf_as_wiki(child) for child in node.get("content") or [])
    if kind == "text":
        return str(node.get("text", ""))
    if kind == "hardBreak":
        return "\n"
    if kind == "codeBlock":
        return f"{{code}}\n{inner}\n{{code}}\n\n"
    if kind in ("paragraph", "table", "bulletList"):
        return inner + "\n\n"
    if kind in ("tableRow", "listItem"):
        return inner + "\n"
    if kind in ("tableCell", "tableHeader"):
        return "|" + inner.strip()
    return inner


def adf_problems(node: Any, parent: str = "") -> list[str]:
    """Why ``node`` is not a valid ADF document as Jira Cloud checks it (empty if valid)."""
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        return [f"a node under {parent or 'the body'} is not an object with a type"]
    kind = node["type"]
    problems: list[str] = []
    if not parent and (kind != "doc" or node.get("version") != 1):
        return ["the body is not an ADF doc of version 1"]
    if kind == "text":
        if not isinstance(node.get("text"), str) or not node["text"]:
            problems.append("a text node is empty")
        marks = [m.get("type") for m in node.get("marks") or []]
        problems += [f"unknown mark {m}" for m in marks if m not in ADF_MARKS]
        if "code" in marks and set(marks) - {"code", "link"}:
            problems.append("the code mark only combines with link")
        if parent == "codeBlock" and marks:
            problems.append("text in a codeBlock has no marks")
        return problems
    allowed_children = {
        "doc": ADF_BLOCKS,
        "paragraph": ADF_INLINE,
        "bulletList": {"listItem"},
        "listItem": {"paragraph", "bulletList", "codeBlock"},
        "table": {"tableRow"},
        "tableRow": {"tableHeader", "tableCell"},
        "tableHeader": ADF_BLOCKS - {"table"},
        "tableCell": ADF_BLOCKS - {"table"},
        "codeBlock": {"text"},
    }.get(kind)
    if allowed_children is None:
        return [] if kind in ADF_INLINE | ADF_BLOCKS else [f"unknown node type {kind}"]
    children = node.get("content") or []
    needs_content = ("table", "tableRow", "bulletList", "listItem", "tableCell", "tableHeader")
    if kind in needs_content and not children:
        problems.append(f"{kind} has no content")
    for child in children:
        child_type = child.get("type") if isinstance(child, dict) else None
        if child_type not in allowed_children:
            problems.append(f"{child_type} cannot be inside {kind}")
        problems += adf_problems(child, kind)
    return problems
