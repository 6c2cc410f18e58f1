"""The relay's SSE splitter: the data of each event, however the bytes are cut."""

from __future__ import annotations

import random

import pytest

from streamspec.providers.sse import LineTooLong, SSEDataSplitter


def _split(body: bytes, cuts: list[int]) -> list[bytes]:
    splitter = SSEDataSplitter(max_line_bytes=1024)
    payloads: list[bytes] = []
    start = 0
    for end in [*cuts, len(body)]:
        payloads += splitter.feed(body[start:end])
        start = end
    return payloads + splitter.end()


STREAMS = [
    # (body, the data of each event)
    (b"data: a\n\ndata: b\n\n", [b"a", b"b"]),
    (b"data:no space\n\ndata:  two spaces\n\n", [b"no space", b" two spaces"]),
    (b"data: a\r\n\r\ndata: b\r\rdata: c\r\n", [b"a", b"b"]),  # c never ends: discarded
    (b": comment\nid: 7\nretry: 10\nevent: x\ndata: kept\n\n", [b"kept"]),
    (b"data: one\ndata: two\n\n", [b"one\ntwo"]),
    (b"data\n\ndata:\n\n", [b"", b""]),  # empty data is dispatched; the provider skips it
    (b"id: 1\n\n\n\n: only a comment\n\ndata: x\n\n", [b"x"]),
    (b"data: ends with a lone CR\r\r", [b"ends with a lone CR"]),
    (b"data: \xc3\xa9 stays bytes\n\n", [b"\xc3\xa9 stays bytes"]),
]


@pytest.mark.parametrize(("body", "expected"), STREAMS)
def test_events_are_the_same_however_the_bytes_are_cut(body: bytes, expected: list[bytes]) -> None:
    assert _split(body, []) == expected
    assert _split(body, list(range(1, len(body)))) == expected
    rng = random.Random(body)
    for _ in range(50):
        cuts = sorted(rng.sample(range(1, len(body)), rng.randint(1, min(8, len(body) - 1))))
        assert _split(body, cuts) == expected, cuts


def test_a_crlf_split_across_reads_is_one_line_end() -> None:
    splitter = SSEDataSplitter(max_line_bytes=1024)
    assert splitter.feed(b"data: a\r\n\r") == []  # the last CR may be half of a CRLF
    assert splitter.feed(b"\ndata: b\r\n\r\n") == [b"a", b"b"]


def test_a_line_past_the_cap_is_refused_before_it_ends() -> None:
    splitter = SSEDataSplitter(max_line_bytes=16)
    assert splitter.feed(b"data: short\n\ndata: 0123456789") == [b"short"]
    with pytest.raises(LineTooLong):
        splitter.feed(b"abcdef")


def test_many_short_lines_in_one_event_are_not_one_long_line() -> None:
    splitter = SSEDataSplitter(max_line_bytes=16)
    assert splitter.feed(b"data: 0123456789\n" * 10) == []
    assert splitter.feed(b"\n") == [b"\n".join([b"0123456789"] * 10)]
