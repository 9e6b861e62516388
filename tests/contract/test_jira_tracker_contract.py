"""The tracker contract on JiraTracker, over HTTP, against the loopback Jira (Cloud and DC)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from martflow.integrations.tracker.jira import JiraTracker
from tests.contract.tracker_contract import TrackerContract
from tests.integrations.jira_server import FakeJira

TOKEN = "contract-token-0123456789"
USER = "pm@example.com"


def wiki_unescape(text: str) -> str:
    """What Jira's wiki renderer shows for martflow's escaped text."""
    return re.sub(r"\\(.)", r"\1", text).replace("&#92;", "\\")


class _JiraContract(TrackerContract):
    deployment = "Cloud"
    auth = "basic"

    @pytest.fixture
    def tracker(self) -> Iterator[JiraTracker]:
        with FakeJira(
            deployment=self.deployment,
            user=USER,
            token=TOKEN,
            auth=self.auth,
            comment_page_cap=2,
            search_page_cap=2,
        ) as server:
            tracker = JiraTracker(
                server.url,
                "DEMO",
                TOKEN,
                user=USER,
                auth=self.auth,
                timeout=5,  # type: ignore[arg-type]
            )
            yield tracker
            tracker.close()


class TestJiraCloudTrackerContract(_JiraContract):
    """Cloud: basic auth, v3 with ADF, /search/jql; pages of 2 force pagination everywhere."""


class TestJiraDataCenterTrackerContract(_JiraContract):
    """Data Center: bearer personal access token, v2 with wiki text, the classic /search."""

    deployment = "Server"
    auth = "bearer"

    def comment_body_matches(self, stored: str, given: str) -> bool:
        """The wiki text martflow posted shows exactly ``given`` once Jira renders it."""
        return wiki_unescape(stored) == given
