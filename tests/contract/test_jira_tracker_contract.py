"""The tracker contract on JiraTracker, over HTTP, against the loopback Jira (Cloud and DC)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from martflow.integrations.tracker.jira import JiraTracker
from martflow.integrations.tracker.jira_text import MARKER_PREFIX, marker_of
from tests.contract.tracker_contract import TrackerContract
from tests.integrations.jira_server import FakeJira

TOKEN = "contract-token-0123456789"
USER = "pm@example.com"


class _JiraContract(TrackerContract):
    deployment = "Cloud"
    auth = "basic"

    @pytest.fixture
    def tracker(self) -> Iterator[JiraTracker]:
        with FakeJira(
            deployment=self.deployment, user=USER, token=TOKEN, auth=self.auth, comment_page_cap=2
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

    def comment_body_matches(self, stored: str, given: str) -> bool:
        """Jira comments keep the text and end with exactly one op-id footer line."""
        op_id = marker_of(stored)
        return op_id is not None and stored == f"{given.rstrip()}\n\n{MARKER_PREFIX}{op_id}"


class TestJiraCloudTrackerContract(_JiraContract):
    """Cloud: basic auth, /search/jql; comment pages capped at 2 to force pagination."""


class TestJiraDataCenterTrackerContract(_JiraContract):
    """Data Center: bearer personal access token, the classic /search."""

    deployment = "Server"
    auth = "bearer"
