"""The SDK as a user installs it: `npm pack` and `npm install <folder>` from a clean checkout,
then the packed tarball imported from .mjs, .cjs and .ts on Node, Bun and Deno."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, LiveServer
from tests.packaging import clean_checkout

from .conftest import run_in_package

RUNTIMES = Path(__file__).parent / "runtimes"
SDK_TSC = ROOT / "clients/typescript/node_modules/typescript/bin/tsc"

# Each consumer streams a chat and provokes a typed error, then prints what it saw as JSON.
_CONSUMER_BODY = """
const client = createClient({ baseUrl: "@URL@", maxRetries: 0 });
let text = "";
const events = client.streamChat({
  messages: [{ role: "user", content: "hello  runtimes" }],
});
for await (const event of events) {
  if (event.event === "delta") text += event.data.content;
}
let typedError = "none";
try {
  await client.createChat({ messages: [] });
} catch (error) {
  if (error instanceof UnprocessableEntityError) typedError = `${error.name} ${error.status}`;
}
console.log(JSON.stringify({ text, typedError }));
"""
_ESM_IMPORT = 'import { UnprocessableEntityError, createClient } from "streamspec-client";\n'
_CJS_IMPORT = 'const { UnprocessableEntityError, createClient } = require("streamspec-client");\n'
CONSUMERS = {
    "consumer.mjs": _ESM_IMPORT + _CONSUMER_BODY,
    "consumer.ts": _ESM_IMPORT + _CONSUMER_BODY,
    # CommonJS has no top-level await.
    "consumer.cjs": _CJS_IMPORT + "(async () => {" + _CONSUMER_BODY + "})();\n",
}
# Type-checked only: the CommonJS entry point has its own declarations.
_CJS_TYPES = """import sdk = require("streamspec-client");
const client: sdk.StreamspecClient = sdk.createClient({ baseUrl: "http://127.0.0.1:1" });
const events: AsyncIterable<sdk.StreamChatEvent> = client.streamChat({ messages: [] });
export = { events, error: sdk.RateLimitError };
"""
# Strict, no Node types (the SDK needs none), the declarations themselves checked too.
_TSCONFIG = {
    "compilerOptions": {
        "strict": True,
        "module": "nodenext",
        "target": "es2022",
        "lib": ["es2022", "dom"],
        "types": [],
        "skipLibCheck": False,
        "outDir": "out",
    },
    "files": ["consumer.ts", "types.cts"],
}
EXPECTED = {"text": "hello  runtimes", "typedError": "UnprocessableEntityError 422"}


def _run(args: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = run_in_package([str(arg) for arg in args], env, cwd=cwd, timeout=180)
    output = f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.returncode == 0, f"{args}\n{output}"
    return result.stdout


@pytest.fixture(scope="module")
def runtimes() -> Path:
    """Bun and Deno from their npm packages, pinned in runtimes/package-lock.json."""
    subprocess.run(
        ["bash", "-c", 'source scripts/lib/env.sh && ensure_node_env "$1"', "-",
         str(RUNTIMES.relative_to(ROOT))],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return RUNTIMES / "node_modules" / ".bin"


@pytest.fixture(scope="module")
def packed_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`npm pack` in a clean checkout's clients/typescript, with nothing installed or built."""
    checkout = clean_checkout(tmp_path_factory.mktemp("sdk-checkout"))
    package = checkout / "clients" / "typescript"
    assert not (package / "node_modules").exists()
    assert not (package / "dist").exists()
    out = tmp_path_factory.mktemp("packed")
    _run(["npm", "pack", "--silent", "--pack-destination", out], cwd=package)
    (tarball,) = out.glob("streamspec-client-*.tgz")
    return tarball


@pytest.fixture(scope="module")
def scratch_project(
    packed_sdk: Path,
    echo_server: LiveServer,
    typescript_package: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """A new npm project with the packed SDK installed and one consumer per module format."""
    project = tmp_path_factory.mktemp("scratch")
    package_json = {"name": "scratch", "private": True, "type": "module"}
    (project / "package.json").write_text(json.dumps(package_json))
    _run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", packed_sdk], project)
    for name, source in CONSUMERS.items():
        (project / name).write_text(source.replace("@URL@", echo_server.url))
    (project / "types.cts").write_text(_CJS_TYPES)
    (project / "tsconfig.json").write_text(json.dumps(_TSCONFIG))
    return project


def test_tarball_ships_esm_and_commonjs_with_declarations(packed_sdk: Path) -> None:
    listing = subprocess.run(
        ["tar", "tzf", packed_sdk], capture_output=True, text=True, check=True
    ).stdout.split()
    for build in ("esm", "cjs"):
        assert f"package/dist/{build}/index.js" in listing
        assert f"package/dist/{build}/index.d.ts" in listing
    assert "package/dist/cjs/package.json" in listing
    assert "package/LICENSE" in listing
    assert not [name for name in listing if "__typetests__" in name or "/test/" in name]


def test_consumer_typescript_type_checks_against_the_packed_declarations(
    scratch_project: Path,
) -> None:
    _run(["node", SDK_TSC, "-p", "."], scratch_project)


@pytest.mark.parametrize("consumer", ["consumer.mjs", "consumer.cjs", "consumer.ts"])
def test_node_streams_a_chat_through_the_packed_sdk(scratch_project: Path, consumer: str) -> None:
    if consumer.endswith(".ts"):
        # Node 20 runs no TypeScript: run tsc's output, as a Node 20 user would.
        test_consumer_typescript_type_checks_against_the_packed_declarations(scratch_project)
        consumer = "out/consumer.js"
    assert json.loads(_run(["node", consumer], scratch_project)) == EXPECTED


@pytest.mark.parametrize("consumer", ["consumer.mjs", "consumer.cjs", "consumer.ts"])
def test_bun_streams_a_chat_through_the_packed_sdk(
    scratch_project: Path, runtimes: Path, consumer: str
) -> None:
    output = _run([runtimes / "bun", consumer], scratch_project, {"DO_NOT_TRACK": "1"})
    assert json.loads(output) == EXPECTED


@pytest.mark.parametrize("consumer", ["consumer.mjs", "consumer.cjs", "consumer.ts"])
def test_deno_streams_a_chat_through_the_packed_sdk(
    scratch_project: Path, runtimes: Path, consumer: str, tmp_path: Path
) -> None:
    env = {"DENO_NO_UPDATE_CHECK": "1", "DENO_DIR": str(tmp_path / "deno")}
    output = _run(
        [runtimes / "deno", "run", "--allow-net=127.0.0.1", "--allow-read", consumer],
        scratch_project,
        env,
    )
    assert json.loads(output) == EXPECTED


def test_npm_install_of_the_folder_in_a_clean_checkout_builds_it(
    tmp_path: Path, echo_server: LiveServer
) -> None:
    checkout = clean_checkout(tmp_path / "checkout")
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text('{"name": "app", "private": true}')
    _run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
          checkout / "clients" / "typescript"], project)  # fmt: skip
    for consumer in ("consumer.mjs", "consumer.cjs"):
        (project / consumer).write_text(CONSUMERS[consumer].replace("@URL@", echo_server.url))
        assert json.loads(_run(["node", consumer], project)) == EXPECTED
