/** A recognisable token never appears in records, event logs, caches, --json, errors or debug output. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { githubServer, type GitHubServer } from "../helpers/github-server.js";
import { baseConfig, sandbox, type Sandbox } from "../helpers/sandbox.js";

const TOKEN = "ghp_SECRET_canary_7f3a9c1e5b2d4f6a8c0e";
let s: Sandbox;
let gh: GitHubServer;
beforeEach(async () => {
  gh = await githubServer();
  gh.addRepo("acme/app", { issues: { 1: "CLOSED" } });
  s = await sandbox({ config: (p) => baseConfig(p).replace("    sessionPrefix: ma\n", "    sessionPrefix: ma\n    repo: acme/app\n    postCreate: [\"exit 0\"]\n") });
  Object.assign(s.env, { GITHUB_API_URL: gh.url, GITHUB_TOKEN: TOKEN, AO_DEBUG: "1" });
});
afterEach(async () => {
  await s.cleanup();
  await gh.close();
});

function filesUnder(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    out = statSync(path).isDirectory() ? [...out, ...filesUnder(path)] : [...out, path];
  }
  return out;
}

it("never writes or prints the token", async () => {
  const outputs: string[] = [];
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = await s.ao(args, { env });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  expect((await run(["spawn", "my-app", "1", "--prompt", "go"])).code).toBe(0);
  expect((await run(["spawn", "my-app", "2"])).code).toBe(0);
  await run(["session", "ls", "--json"]);
  await run(["status"]);
  await run(["session", "get", "ma-1", "--json"]);
  await run(["send", "ma-2", "hello"]);
  await run(["session", "cleanup", "--dry-run", "--json"]);
  gh.state.token = "another-token"; // now GitHub rejects ours: the error paths
  const rejected = await run(["session", "cleanup"]);
  expect(rejected.stderr).toContain("GitHub rejected the token from GITHUB_TOKEN");
  await run(["session", "ls", "--json"], { AO_GITHUB_TIMEOUT: "1s" });
  await run(["doctor", "--json"]);
  await run(["spawn", "nope"]);
  await run(["session", "kill", "ma-2", "--force"]);
  expect(outputs.join("\n")).not.toContain(TOKEN);
  const written = [...filesUnder(s.dataDir), ...filesUnder(join(s.root, ".cache"))];
  expect(written.length).toBeGreaterThan(4);
  for (const file of written) expect(readFileSync(file, "utf8"), file).not.toContain(TOKEN);
  for (const file of filesUnder(s.dataDir)) {
    const mode = statSync(file).mode & 0o777;
    if (file.endsWith(".json") || file.endsWith(".jsonl") || file.endsWith(".prompt")) expect(mode, file).toBe(0o600);
  }
  expect(statSync(s.dataDir).mode & 0o777).toBe(0o700);
});
