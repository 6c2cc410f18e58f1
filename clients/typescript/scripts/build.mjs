// Builds dist/esm and dist/cjs (each with its .d.ts) from src/. It runs as `prepare`, so a fresh
// clone builds on `npm install <path>` and `npm pack` alike; it installs its own pinned
// devDependencies first when they are missing, which a folder or tarball install skips.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

function run(command, args) {
  execFileSync(command, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"], env: buildEnv() });
}

// An outer `npm install -g` or `--omit=dev` passes its settings down as npm_config_* variables;
// installing this package's own devDependencies here must not inherit those (the cache, the
// registry and proxies it may keep).
const WHAT_AND_WHERE = new Set([
  "also", "dev", "dry_run", "global", "include", "install_links", "install_strategy", "location",
  "omit", "only", "package_lock", "package_lock_only", "prefix", "production", "workspace",
  "workspaces",
]);

function buildEnv() {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    const setting = name.toLowerCase().replace(/^npm_config_/, "").replaceAll("-", "_");
    if (name.toLowerCase().startsWith("npm_config_") && WHAT_AND_WHERE.has(setting)) delete env[name];
  }
  return env;
}

if (!existsSync(tsc)) {
  const npm = process.env["npm_execpath"];
  const [command, prefix] = npm && npm.endsWith(".js") ? [process.execPath, [npm]] : ["npm", []];
  run(command, [...prefix, "ci", "--include=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]);
}

rmSync(join(root, "dist"), { recursive: true, force: true });
run(process.execPath, [tsc, "-p", "tsconfig.build.json"]);
run(process.execPath, [tsc, "-p", "tsconfig.cjs.json"]);
// The package is "type": "module"; this marks dist/cjs's .js and .d.ts as CommonJS.
writeFileSync(join(root, "dist", "cjs", "package.json"), '{\n  "type": "commonjs"\n}\n');
