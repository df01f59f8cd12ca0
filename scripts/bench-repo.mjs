// The throw-away repository every benchmark runs on (bench, bench-watch,
// bench-dash): a bare `origin.git` and a checkout `repo/` with one pushed commit.
import { execFileSync } from "node:child_process";
import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const git = (cwd, ...args) => execFileSync("git", args, { cwd, stdio: "pipe", env: { ...process.env, GIT_AUTHOR_NAME: "b", GIT_AUTHOR_EMAIL: "b@b", GIT_COMMITTER_NAME: "b", GIT_COMMITTER_EMAIL: "b@b" } });

/** A new temp directory (named `prefix…`) holding origin.git and repo/; returns the directory. */
export function benchRepo(prefix) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  git(dir, "init", "-q", "--bare", "-b", "main", "origin.git");
  git(dir, "init", "-q", "-b", "main", "repo");
  writeFileSync(join(dir, "repo", "README.md"), "bench\n");
  git(join(dir, "repo"), "add", ".");
  git(join(dir, "repo"), "commit", "-q", "-m", "init");
  git(join(dir, "repo"), "remote", "add", "origin", join(dir, "origin.git"));
  git(join(dir, "repo"), "push", "-q", "origin", "main");
  return dir;
}

/**
 * The config and environment of the dash benchmarks in `dir` (a benchRepo): agents that print a line
 * and sleep, sessions on tmux server `socket`. Only PATH of the caller's environment goes through.
 */
export function idleAgentsEnv(dir, socket) {
  const config = join(dir, "agent-orchestrator.yaml");
  writeFileSync(config, `dataDir: ${dir}/data\nworktreeDir: ${dir}/wt\ndefaults:\n  agent: idle\nagents:\n  idle:\n    command: echo agent ready; exec sleep 86400\nprojects:\n  bench:\n    path: ${dir}/repo\n    sessionPrefix: b\n`);
  return { PATH: process.env.PATH, HOME: dir, TERM: "xterm-256color", AO_CONFIG: config, AO_TMUX_SOCKET: socket, XDG_CACHE_HOME: join(dir, "cache") };
}
