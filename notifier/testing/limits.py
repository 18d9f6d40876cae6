"""What each channel accepts, as checks that list every way a message breaks it.

Slack Block Kit (https://api.slack.com/reference/block-kit/blocks): at most
50 blocks, section text at most 3000 characters, a header's plain text at
most 150, a context block at most 10 elements; `&`, `<` and `>` mean markup
unless escaped. SNS (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html):
a subject of printable ASCII under 100 characters, with no line break or
control character; a message under 256 KB.
"""

from __future__ import annotations

import json
import re

SLACK_BLOCKS = 50
SLACK_TEXT = 3000
SLACK_HEADER = 150
SLACK_CONTEXT_ELEMENTS = 10
SNS_SUBJECT = 100
SNS_MESSAGE_BYTES = 256 * 1024

# An ampersand that does not begin one of Slack's three escapes, or a bracket.
_RAW_MARKUP = re.compile(r"&(?!amp;|lt;|gt;)|[<>]")


def slack_texts(message: dict) -> list[str]:
    """Every text of a Block Kit message, fallback first."""
    texts = [message.get("text", "")]
    for block in message.get("blocks", []):
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(element["text"] for element in block.get("elements", []))
    return texts


def slack_problems(message: dict) -> list[str]:
    """Each way ``message`` breaks Slack's limits or its escaping; [] if none."""
    problems = []
    try:
        json.loads(json.dumps(message, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        problems.append(f"not UTF-8 JSON: {exc}")
    if not message.get("text"):
        problems.append("no text fallback")
    blocks = message.get("blocks", [])
    if len(blocks) > SLACK_BLOCKS:
        problems.append(f"{len(blocks)} blocks")
    for number, block in enumerate(blocks):
        kind = block.get("type")
        if kind == "header":
            text = block["text"]
            if text.get("type") != "plain_text" or len(text["text"]) > SLACK_HEADER:
                problems.append(f"block {number}: header over {SLACK_HEADER}")
        elif kind == "section":
            if len(block["text"]["text"]) > SLACK_TEXT:
                problems.append(f"block {number}: section over {SLACK_TEXT}")
        elif kind == "context":
            elements = block.get("elements", [])
            if not 0 < len(elements) <= SLACK_CONTEXT_ELEMENTS:
                problems.append(f"block {number}: {len(elements)} context elements")
            if any(len(element["text"]) > SLACK_TEXT for element in elements):
                problems.append(f"block {number}: context text over {SLACK_TEXT}")
        else:
            problems.append(f"block {number}: unexpected type {kind!r}")
    for text in slack_texts(message):
        if _RAW_MARKUP.search(text):
            problems.append(f"unescaped markup in {text[:60]!r}")
    return problems


def sns_problems(subject: str, message: str) -> list[str]:
    """Each way a subject and message break SNS's rules; [] if none."""
    problems = []
    if not 0 < len(subject) < SNS_SUBJECT:
        problems.append(f"subject of {len(subject)} characters")
    if not all(" " <= ch <= "~" for ch in subject):
        problems.append(f"subject not printable ASCII: {subject!r}")
    if subject[:1] == " ":
        problems.append("subject begins with a space")
    try:
        size = len(message.encode("utf-8"))
    except UnicodeEncodeError as exc:
        problems.append(f"message not UTF-8: {exc}")
    else:
        if size >= SNS_MESSAGE_BYTES:
            problems.append(f"message of {size} bytes")
    return problems
