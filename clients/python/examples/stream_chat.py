"""Stream a chat reply and print it as it arrives.

    STREAMSPEC_BASE_URL=http://127.0.0.1:8000 STREAMSPEC_API_KEY=key-alpha \\
        python clients/python/examples/stream_chat.py "hello there"
"""

from __future__ import annotations

import sys

from streamspec_client import (
    APIStatusError,
    AuthenticationError,
    Client,
    StreamError,
    StreamspecError,
)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} PROMPT", file=sys.stderr)
        return 2
    with Client() as client:  # STREAMSPEC_BASE_URL and STREAMSPEC_API_KEY
        try:
            models = client.list_models().models
            print("models:", ", ".join(model.id for model in models), file=sys.stderr)
            with client.stream_chat(messages=[{"role": "user", "content": argv[1]}]) as stream:
                for event in stream:
                    if event.event == "delta":
                        print(event.data.content, end="", flush=True)
            print()
        except AuthenticationError as error:
            print(f"authentication failed ({error.status_code}): {_detail(error)}", file=sys.stderr)
            return 1
        except StreamError as error:
            print(
                f"\nstream failed ({error.problem.status}): {error.problem.title}", file=sys.stderr
            )
            return 1
        except APIStatusError as error:
            print(f"request failed ({error.status_code}): {_detail(error)}", file=sys.stderr)
            return 1
        except StreamspecError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


def _detail(error: APIStatusError) -> str:
    if error.problem is None:
        return error.message
    return error.problem.detail or error.problem.title


if __name__ == "__main__":
    sys.exit(main(sys.argv))
