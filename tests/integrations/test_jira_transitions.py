"""Transitions that can succeed: screens with required fields, filled from config or refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from martflow.errors import RemoteRejectedError
from martflow.integrations.tracker.jira import JiraTracker
from martflow.integrations.tracker.jira_transitions import TransitionFieldsError, field_value
from tests.integrations.jira_server import FakeJira, load_json

TOKEN = "transitions-token-9"
USER = "pm@example.com"


@pytest.fixture(params=["Cloud", "Server"])
def server(request: pytest.FixtureRequest) -> Iterator[FakeJira]:
    auth = "basic" if request.param == "Cloud" else "bearer"
    with FakeJira(deployment=request.param, user=USER, token=TOKEN, auth=auth) as jira:
        yield jira


def tracker_for(server: FakeJira, **fields: Any) -> JiraTracker:
    auth = "basic" if server.cloud else "bearer"
    return JiraTracker(
        server.url,
        "DEMO",
        TOKEN,
        user=USER,
        auth=auth,
        timeout=5,
        transition_fields=fields,  # type: ignore[arg-type]
    )


def with_done_screen(server: FakeJira, *, also_plain: bool = False) -> str:
    """A ticket whose move to Done goes through a screen that requires a resolution."""
    key = server.add_issue("Customer lifetime value")
    resolution = server.recorded.resolution_field(("Done", "Won't Do"))
    server.transitions["To Do"] = [("31", "Close", "Done", {"resolution": resolution})]
    if also_plain:
        server.transitions["To Do"].append(("41", "Finish", "Done"))
    return key


def test_a_transition_without_input_is_preferred_to_one_with_a_screen(server: FakeJira) -> None:
    key = with_done_screen(server, also_plain=True)
    assert tracker_for(server).transition(key, "Done") == "moved"
    (listing,) = server.requests_to("GET", f"/issue/{key}/transitions")
    assert listing.query["expand"] == ["transitions.fields"]
    (post,) = server.requests_to("POST", f"/issue/{key}/transitions")
    assert post.body["transition"] == {"id": 41}
    assert server.status_of(key) == "Done"


def test_required_fields_are_filled_from_config_by_name(server: FakeJira) -> None:
    key = with_done_screen(server)
    tracker = tracker_for(server, done={"Resolution": "won't do"})
    assert tracker.transition(key, "Done") == "moved"
    (post,) = server.requests_to("POST", f"/issue/{key}/transitions")
    assert post.body == {"transition": {"id": 31}, "fields": {"resolution": {"id": "10001"}}}
    assert server.fields_set(key) == [{"resolution": {"id": "10001"}}]


def test_a_required_field_without_a_value_is_refused_before_sending(server: FakeJira) -> None:
    key = with_done_screen(server)
    with pytest.raises(TransitionFieldsError) as caught:
        tracker_for(server).transition(key, "Done")
    message = caught.value.message
    assert "'Close' needs Resolution (resolution: one of Done, Won't Do)" in message
    assert '[tracker.transition_fields] "Done"' in message
    assert "\n" not in message
    assert server.requests_to("POST", f"/issue/{key}/transitions") == []
    assert server.status_of(key) == "To Do"


def test_a_value_the_field_does_not_allow_names_the_allowed_ones(server: FakeJira) -> None:
    key = with_done_screen(server)
    with pytest.raises(TransitionFieldsError, match="'Fixed' is not an allowed Resolution"):
        tracker_for(server, Done={"resolution": "Fixed"}).transition(key, "Done")
    assert server.requests_to("POST", f"/issue/{key}/transitions") == []


def test_jiras_own_field_errors_come_back_with_the_config_hint(server: FakeJira) -> None:
    key = server.add_issue("ask")
    body = load_json("jira_ruby_mock_responses", "issue", "10002.invalid.put.json")
    server.fail("POST", f"/issue/{key}/transitions", status=400, body=body)
    with pytest.raises(RemoteRejectedError) as caught:
        tracker_for(server).transition(key, "Done")
    assert "invalid: Field 'invalid' is not valid for this operation." in caught.value.message
    assert '[tracker.transition_fields] "Done"' in caught.value.message
    assert caught.value.status == 400


def test_a_custom_text_field_is_sent_in_the_flavours_format(server: FakeJira) -> None:
    key = server.add_issue("ask")
    note = server.recorded.custom_field("customfield_10050", "string")
    note["schema"]["custom"] = "com.atlassian.jira.plugin.system.customfieldtypes:textarea"
    server.transitions["To Do"] = [("51", "Hand over", "In Review", {"customfield_10050": note})]
    tracker = tracker_for(server, **{"In Review": {"customfield_10050": "Built by martflow"}})
    assert tracker.transition(key, "in review") == "moved"
    (sent,) = server.fields_set(key)
    if server.cloud:
        assert sent["customfield_10050"]["type"] == "doc"  # REST v3 takes ADF
    else:
        assert sent["customfield_10050"] == "Built by martflow"


@pytest.mark.parametrize(
    ("schema", "value", "cloud", "expected"),
    [
        ({"type": "user"}, "5b10a2844c", True, {"accountId": "5b10a2844c"}),
        ({"type": "user"}, "jsmith", False, {"name": "jsmith"}),
        ({"type": "array", "items": "option"}, ["a", "b"], True, [{"value": "a"}, {"value": "b"}]),
        ({"type": "array", "items": "string"}, "analytics", True, ["analytics"]),
        ({"type": "number"}, 3, False, 3.0),
        ({"type": "option"}, "High", True, {"value": "High"}),
        ({"type": "priority"}, "High", False, {"name": "High"}),
        ({"type": "any"}, {"id": "10001"}, True, {"id": "10001"}),
    ],
)
def test_field_values_take_the_rest_shape_of_their_schema(
    schema: dict, value: Any, cloud: bool, expected: Any
) -> None:
    assert field_value({"schema": schema}, value, cloud=cloud) == expected


def test_a_number_field_refuses_text() -> None:
    with pytest.raises(TransitionFieldsError, match="Story points takes a number, not 'lots'"):
        field_value({"name": "Story points", "schema": {"type": "number"}}, "lots", cloud=True)
