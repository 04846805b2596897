"""Alert text: categories in the title, marked words, shortening within a service's limit."""

from __future__ import annotations

from monitor.message import ChangeAlert, change_message
from storage.records import StoredFinding

RETENTION = StoredFinding("retention", "modified", None, "We keep receipts for 7 years.",
                          "We keep receipts for 10 years.", "Retention")


def alert(findings: int = 1) -> ChangeAlert:
    return ChangeAlert("alpha", 12, 11, ("retention",), (RETENTION,) * findings)


def test_markdown_and_html_mark_the_changed_words_and_text_does_not() -> None:
    assert "~~7~~" in change_message([alert()], "markdown").body
    assert "**10**" in change_message([alert()], "markdown").body
    assert "<del>7</del>" in change_message([alert()], "html").body
    text = change_message([alert()], "text").body
    assert "after: We keep receipts for 10 years." in text and "**" not in text


def test_a_short_limit_drops_findings_but_never_the_categories_or_the_diff_command() -> None:
    message = change_message([alert(40)], "text", max_length=500)
    assert len(message.body) <= 500
    assert message.body.startswith("Categories: retention")
    assert "more findings" in message.body
    assert message.body.endswith("Full diff: policywatch diff alpha --from 11 --to 12")
