"""The chat page at `/`, driven in headless Chromium against a real server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ServerFactory

pytestmark = pytest.mark.browser

PROMPT = "the quick brown fox jumps over the lazy dog, twice: quick brown fox, lazy dog"
LONG_PROMPT = " ".join(f"word{i}" for i in range(80))

# Records every length the reply takes, as the browser renders it.
WATCH_REPLY = """() => {
  window.replyLengths = [];
  const reply = document.getElementById("reply");
  new MutationObserver(() => window.replyLengths.push(reply.textContent.length))
    .observe(reply, { childList: true, characterData: true, subtree: true });
}"""


class OpenPage:
    def __init__(self, page: Page, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.foreign_requests: list[str] = []
        self.errors: list[str] = []
        page.on(
            "request",
            lambda r: None if r.url.startswith(origin) else self.foreign_requests.append(r.url),
        )
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def reply_text(self) -> str:
        text: str = self.page.locator("#reply").inner_text()
        return text

    def send(self, prompt: str) -> None:
        self.page.fill("#prompt", prompt)
        self.page.click("#send")


@pytest.fixture
def open_page(browser: Browser, chat_bundle: Path) -> Iterator[Callable[[str], OpenPage]]:
    contexts = []

    def open_at(url: str) -> OpenPage:
        context = browser.new_context()
        contexts.append(context)
        opened = OpenPage(context.new_page(), url)
        opened.page.goto(url + "/")
        expect(opened.page.locator("#status")).to_have_attribute("data-state", "idle")
        return opened

    yield open_at
    for context in contexts:
        context.close()


def test_reply_grows_as_it_streams_and_ends_equal_to_the_prompt(
    open_page: Callable[[str], OpenPage], server_factory: ServerFactory
) -> None:
    server = server_factory({"STREAMSPEC_ECHO_DELAY_MS": "30"})
    chat = open_page(server.url)
    chat.page.evaluate(WATCH_REPLY)

    chat.send(PROMPT)
    expect(chat.page.locator("#stop")).to_be_enabled()
    status = chat.page.locator("#status")
    expect(status).to_have_attribute("data-state", "done", timeout=10_000)

    lengths: list[int] = chat.page.evaluate("window.replyLengths")
    growing = sorted(set(lengths))
    assert len(growing) >= 5, lengths
    assert lengths == sorted(lengths), "the reply shrank while streaming"
    assert chat.reply_text() == PROMPT
    expect(status).to_contain_text("Done (stop, model")
    expect(chat.page.locator("#stop")).to_be_disabled()
    expect(chat.page.locator("#send")).to_be_enabled()
    assert chat.foreign_requests == []
    assert chat.errors == []


def test_stop_aborts_a_slow_stream_and_the_reply_stops_growing(
    open_page: Callable[[str], OpenPage], server_factory: ServerFactory
) -> None:
    server = server_factory({"STREAMSPEC_ECHO_DELAY_MS": "150"})
    chat = open_page(server.url)

    chat.send(LONG_PROMPT)
    expect(chat.page.locator("#reply")).to_contain_text("word2 ")
    chat.page.click("#stop")

    status = chat.page.locator("#status")
    expect(status).to_have_attribute("data-state", "stopped")
    expect(status).to_have_text("Stopped")
    stopped_at = chat.reply_text()
    time.sleep(0.6)  # four more pieces' worth of the server's delay
    assert chat.reply_text() == stopped_at
    assert len(stopped_at) < len(LONG_PROMPT) / 2
    expect(chat.page.locator("#send")).to_be_enabled()
    expect(chat.page.locator("#stop")).to_be_disabled()
    assert chat.errors == []


def test_typed_errors_show_and_the_api_key_field_is_used(
    open_page: Callable[[str], OpenPage], server_factory: ServerFactory
) -> None:
    server = server_factory({"STREAMSPEC_API_KEYS": "key-alpha"})
    chat = open_page(server.url)
    status = chat.page.locator("#status")

    chat.send("hello")
    expect(status).to_have_attribute("data-state", "error")
    expect(status).to_contain_text("AuthenticationError (401)")

    chat.page.fill("#api-key", "key-alpha")
    chat.send("hello")
    expect(status).to_have_attribute("data-state", "done")
    assert chat.reply_text() == "hello"
