"""The relay's SSE splitter: the data of each event, however the bytes are cut."""

from __future__ import annotations

import random

import pytest

from streamspec.providers.sse import EventTooLarge, SSEDataSplitter


def _split(body: bytes, cuts: list[int]) -> list[bytes]:
    splitter = SSEDataSplitter(max_event_bytes=1024)
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
    (b"\xef\xbb\xbfdata: after a BOM\n\n", [b"after a BOM"]),  # one leading BOM is dropped
    (b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\ndata: y\n\n", [b"y"]),  # a second is a field name
    (b"data: a\n\n\xef\xbb\xbfdata: b\n\n", [b"a"]),  # and so is a BOM mid-stream
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
    splitter = SSEDataSplitter(max_event_bytes=1024)
    assert splitter.feed(b"data: a\r\n\r") == []  # the last CR may be half of a CRLF
    assert splitter.feed(b"\ndata: b\r\n\r\n") == [b"a", b"b"]


def test_an_event_past_the_cap_is_refused_before_it_ends() -> None:
    splitter = SSEDataSplitter(max_event_bytes=16)
    assert splitter.feed(b"data: short\n\ndata: 0123456789") == [b"short"]
    with pytest.raises(EventTooLarge):
        splitter.feed(b"abcdef")


def test_short_lines_that_never_end_their_event_are_refused_too() -> None:
    splitter = SSEDataSplitter(max_event_bytes=64)
    for _ in range(5):
        assert splitter.feed(b": comment\n") == []
    with pytest.raises(EventTooLarge):
        splitter.feed(b": comment\n" * 3)


def test_an_event_read_in_many_small_pieces_comes_out_whole() -> None:
    splitter = SSEDataSplitter(max_event_bytes=1 << 20)
    line = b"data: " + b"x" * 100_000
    pieces = [line[i : i + 1400] for i in range(0, len(line), 1400)]
    assert all(splitter.feed(piece) == [] for piece in pieces)
    assert splitter.feed(b"\n\n") == [b"x" * 100_000]


def _spec_payloads(body: bytes) -> list[bytes]:
    """The WHATWG rules, line by line, as a reference: the data of each dispatched event."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    lines = body.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    lines.pop()  # the bytes after the last line end never form a line
    payloads: list[bytes] = []
    data: list[bytes] | None = None
    for line in lines:
        if not line:
            if data is not None:
                payloads.append(b"\n".join(data))
            data = None
        elif line.startswith(b"data"):
            field, _, value = line.partition(b":")
            if field == b"data":
                data = [*(data or []), value[1:] if value[:1] == b" " else value]
    return payloads


@pytest.mark.parametrize("seed", range(40))
def test_single_line_events_and_any_other_lines_agree_with_the_line_by_line_rules(
    seed: int,
) -> None:
    rng = random.Random(seed)
    # Mostly whole `data: ` events, which a read of them takes in one split, with the lines
    # that must send it down the slow path mixed in.
    pieces = [b"data: x\n\n"] * 8 + [b"data: \n\n", b"data:y\n\n", b"data: a\ndata: b\n\n"]
    pieces += [b"\n", b": note\n\n", b"id: 1\n", b"data: z\r\n\r\n", b"data: half"]
    body = b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
    expected = _spec_payloads(body)
    assert _split(body, []) == expected
    cuts = sorted(rng.sample(range(1, len(body)), min(5, len(body) - 1))) if len(body) > 1 else []
    assert _split(body, cuts) == expected
