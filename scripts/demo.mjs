#!/usr/bin/env node
// `npm run demo`: ao on a throw-away repository with the bundled demo agent, on
// its own tmux server. No GitHub token, nothing outside a temp directory.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { demoAgentYaml } from "./demo-config.mjs";

const root = resolve(import.meta.dirname, "..");
const aoBin = join(root, "bin", "ao.js");
const agent = join(root, "scripts", "demo-agent.mjs");

for (const tool of ["git", "tmux"]) {
  if (spawnSync(tool, ["-V"]).error && spawnSync(tool, ["--version"]).error) {
    console.error(`The demo needs ${tool}. Run ./scripts/setup (it installs tmux and git with apt-get).`);
    process.exit(1);
  }
}

const dir = realpathSync(mkdtempSync(join(tmpdir(), "ao-demo-")));
const repo = join(dir, "demo-app");
const origin = join(dir, "origin.git");
const git = (cwd, ...args) =>
  execFileSync("git", args, {
    cwd,
    stdio: "pipe",
    env: { ...process.env, GIT_AUTHOR_NAME: "Demo", GIT_AUTHOR_EMAIL: "demo@example.com", GIT_COMMITTER_NAME: "Demo", GIT_COMMITTER_EMAIL: "demo@example.com" },
  });
git(dir, "init", "-q", "--bare", "-b", "main", origin);
git(dir, "init", "-q", "-b", "main", repo);
writeFileSync(join(repo, "README.md"), "# demo-app\n\nA throw-away repository for the ao demo.\n");
git(repo, "add", ".");
git(repo, "commit", "-q", "-m", "Initial commit");
git(repo, "remote", "add", "origin", origin);
git(repo, "push", "-q", "-u", "origin", "main");

const config = join(dir, "agent-orchestrator.yaml");
writeFileSync(
  config,
  `dataDir: ${join(dir, "data")}
worktreeDir: ${join(dir, "worktrees")}
defaults:
  agent: demo
agents:
${demoAgentYaml("demo", agent)}projects:
  demo-app:
    path: ${repo}
    sessionPrefix: demo
`,
);
// The server's socket lives in the demo's directory, so removing that directory leaves nothing behind.
const socket = join(dir, "tmux.sock");
const env = { ...process.env, AO_CONFIG: config, AO_TMUX_SOCKET: socket };
/** An argument as a shell user would type it: bare, '…', or $'…' when it holds a newline. */
const shellQuote = (a) =>
  a.includes("\n") ? `$'${a.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`
  : /[\s'"$\\]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'`
  : a;
const ao = (...args) => {
  console.log(`\n$ ao ${args.map(shellQuote).join(" ")}`);
  const r = spawnSync(process.execPath, [aoBin, ...args], { env, stdio: "inherit" });
  if (r.status !== 0) {
    // A failed demo leaves nothing running behind it.
    spawnSync("tmux", ["-S", socket, "kill-server"], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
    process.exit(r.status ?? 1);
  }
};

ao("spawn", "demo-app", "--prompt", "Write some tests");
ao("spawn", "demo-app", "42", "--title", "Fix the greeting", "--prompt", "Please fix the greeting in README.md");
await new Promise((r) => setTimeout(r, 800));
ao("send", "demo-42", "Also update the changelog.\nThanks!");
ao("send", "demo-1", "/ask run the tests");
await new Promise((r) => setTimeout(r, 500));
ao("session", "ls");
ao("session", "reply", "demo-1", "once");

console.log(`
The demo is running on its own tmux server (${socket}) in ${dir}.
Try, in this shell:

  export AO_CONFIG=${config} AO_TMUX_SOCKET=${socket}
  alias ao="node ${aoBin}"
  ao session ls --json
  ao send demo-1 "/ask delete the build"; ao session ls    # demo-1 is [waiting]
  ao session reply demo-1 reject
  ao send demo-1 --wait "/sleep 3"  # prints the turn's output once the agent is back at its prompt
  ao send demo-4 "hello"            # a unique prefix of demo-42 is enough
  ao session attach demo-1          # detach again with Ctrl-b d
  tmux -S ${socket} kill-session -t demo-1; ao session ls    # demo-1 is now [dead]
  ao session restore demo-1
  ao session kill demo-42

When done:  tmux -S ${socket} kill-server; rm -rf ${dir}
`);
