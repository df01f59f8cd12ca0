/**
 * SPEC §1 "From anywhere": cron's $HOME with nothing but PATH and HOME, another
 * repository, one default dataDir shared by two repositories' configs. Every
 * session `ls` lists is acted on with the config that created it.
 *
 * Two repositories, each with its own agent-orchestrator.yaml (trusted, as
 * `ao init` or `ao trust` leaves it) and its own agent name, and no dataDir or
 * worktreeDir setting: both use the defaults under $HOME. Sessions are spawned
 * from inside each repository, as a user does; afterwards commands run from
 * $HOME, where no config is found.
 */
import { appendFileSync, mkdirSync, readFileSync, realpathSync, rmSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { demoAgentYaml } from "../../scripts/demo-config.mjs";
import { gitRepo } from "../helpers/git.js";
import { runProc, waitFor, type Result } from "../helpers/proc.js";
import { tmuxServer } from "../helpers/tmux.js";
import { AO_BIN, DEMO_AGENT, ROOT } from "../helpers/sandbox.js";

interface World {
  home: string;
  repoA: string;
  repoB: string;
  configB: string;
  tmux: ReturnType<typeof tmuxServer>;
  /** ao with the test's tmux server and HOME, from `cwd`. */
  ao(args: string[], cwd: string): Promise<Result>;
  /** ao as cron runs it: env -i with only PATH and HOME, from $HOME, stdin not a terminal. */
  cron(args: string[]): Promise<Result>;
}

let w: World;
let root: string;

/** The PATH cron would need: where node and ao are (the README's crontab line names it). */
function binDir(): string {
  const dir = join(root, "bin");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "ao"), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(AO_BIN)} "$@"\n`, { mode: 0o755 });
  return `${dir}:${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;
}

function config(repo: string, id: string, prefix: string, agent: string, extra = ""): string {
  return `defaults:\n  agent: ${agent}\nagents:\n${demoAgentYaml(agent, DEMO_AGENT)}projects:\n  ${id}:\n    path: ${repo}\n    sessionPrefix: ${prefix}\n${extra}`;
}

beforeEach(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), "ao-anywhere-")));
  const home = join(root, "home");
  mkdirSync(home);
  const a = await gitRepo(join(root, "a"));
  const b = await gitRepo(join(root, "b"));
  const tmux = tmuxServer();
  const path = binDir();
  const configB = join(b.repo, "agent-orchestrator.yaml");
  writeFileSync(join(a.repo, "agent-orchestrator.yaml"), config(a.repo, "app-a", "aa", "alpha"));
  // B ends sessions whose agent is gone at once; A keeps them for the default 24h.
  writeFileSync(configB, config(b.repo, "app-b", "bb", "beta", "cleanup:\n  runtimeDeadAfter: 0\n"));
  const base = { PATH: path, HOME: home, TERM: "xterm-256color", GIT_AUTHOR_NAME: "T", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "T", GIT_COMMITTER_EMAIL: "t@example.com" };
  w = {
    home, repoA: a.repo, repoB: b.repo, configB, tmux,
    ao: (args, cwd) => runProc(process.execPath, [AO_BIN, ...args], { cwd, env: { ...base, AO_TMUX_SOCKET: tmux.socket } }),
    cron: (args) => runProc("env", ["-i", `PATH=${path}`, `HOME=${home}`, "ao", ...args], { cwd: home, env: {} }),
  };
  for (const repo of [a.repo, b.repo]) expect((await w.ao(["trust"], repo)).code).toBe(0);
});

afterEach(async () => {
  await w.tmux.kill();
  rmSync(root, { recursive: true, force: true });
});

async function spawnIn(repo: string, project: string): Promise<string> {
  const r = await w.ao(["spawn", project], repo);
  expect(r.code, r.stderr).toBe(0);
  return /Session (\S+) spawned/.exec(r.stdout)![1]!;
}

async function listed(run: () => Promise<Result>): Promise<Record<string, string>> {
  const r = await run();
  expect(r.code, r.stderr).toBe(0);
  return Object.fromEntries((JSON.parse(r.stdout) as { name: string; status: string }[]).map((v) => [v.name, v.status]));
}

/** The README's crontab line: its PATH line (pointed at this test's ao) and its command, run by /bin/sh as cron does. */
function readmeCrontab(): { command: string } {
  const block = /```crontab\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, "README.md"), "utf8"))![1]!;
  const job = block.split("\n").find((l) => /^[*0-9]/.test(l))!;
  return { command: job.split(/\s+/).slice(5).join(" ") };
}

describe("from cron's $HOME (env -i, only PATH and HOME, no config found)", () => {
  it("the README's crontab line cleans each repository's sessions by its own config", async () => {
    const a1 = await spawnIn(w.repoA, "app-a");
    const b1 = await spawnIn(w.repoB, "app-b");
    await w.tmux.tmux("kill-session", "-t", `=${a1}`);
    await w.tmux.tmux("kill-session", "-t", `=${b1}`);

    const { command } = readmeCrontab();
    const r = await runProc("env", ["-i", `PATH=${binDir()}`, `HOME=${w.home}`, "SHELL=/bin/sh", "/bin/sh", "-c", command], { cwd: w.home, env: {} });
    const log = readFileSync(join(w.home, ".agent-orchestrator", "cleanup.log"), "utf8");
    expect(r.code, log).toBe(0);
    expect(log).not.toContain("No agent-orchestrator.yaml found");
    expect(log).toContain(b1);

    // B's runtimeDeadAfter (0) ended b1; A's (24h) keeps a1 for restore.
    const all = await listed(() => w.cron(["session", "ls", "--all", "--json"]));
    expect(all[b1]).toBe("exited");
    expect(all[a1]).toBe("dead");
  });

  it("ls, -p, restore --all and kill act on both repositories' sessions", async () => {
    const a1 = await spawnIn(w.repoA, "app-a");
    const b1 = await spawnIn(w.repoB, "app-b");
    expect(await listed(() => w.cron(["session", "ls", "--json"]))).toMatchObject({ [a1]: expect.any(String), [b1]: expect.any(String) });
    expect(Object.keys(await listed(() => w.cron(["session", "ls", "-p", "app-b", "--json"])))).toEqual([b1]);

    await w.tmux.tmux("kill-server");
    // Each agent is started again with its own config's command (alpha, beta): no "Unknown agent".
    const restored = await w.cron(["session", "restore", "--all"]);
    expect(restored.code, restored.stderr + restored.stdout).toBe(0);
    expect(restored.stdout).toContain(a1);
    expect(restored.stdout).toContain(b1);
    await waitFor(async () => (await w.tmux.sessions()).length === 2, "both sessions restored on the recorded server");

    // The commands on one session, too: send, get, logs, events.
    await waitFor(async () => (await w.tmux.capture(a1)).includes("> "), "a1's prompt");
    const sent = await w.cron(["send", a1, "hello from cron"]);
    expect(sent.code, sent.stderr).toBe(0);
    await waitFor(async () => (await w.cron(["session", "logs", a1])).stdout.includes("hello from cron"), "the message in a1's logs");
    expect(JSON.parse((await w.cron(["session", "get", a1, "--json"])).stdout)).toMatchObject({ name: a1, agent: "alpha" });
    expect((await w.cron(["session", "events", a1, "--json"])).stdout).toContain('"message_sent"');

    const killed = await w.cron(["session", "kill", b1]);
    expect(killed.code, killed.stderr).toBe(0);
    expect((await listed(() => w.cron(["session", "ls", "--all", "--json"])))[b1]).toBe("killed");
    expect(await w.tmux.sessions()).toEqual([a1]);
  });

  it("watch --once reacts to each session as its own config says", async () => {
    writeFileSync(join(w.repoA, "agent-orchestrator.yaml"), `${readFileSync(join(w.repoA, "agent-orchestrator.yaml"), "utf8")}reactions:\n  dead: off\n`);
    expect((await w.ao(["trust"], w.repoA)).code).toBe(0);
    const a1 = await spawnIn(w.repoA, "app-a");
    const b1 = await spawnIn(w.repoB, "app-b");
    await w.tmux.tmux("kill-server");
    const r = await w.cron(["watch", "--once", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; session?: string });
    // A turned the dead reaction off; B notifies (the default).
    expect(events.filter((e) => e.type === "watch_notified").map((e) => e.session)).toEqual([b1]);
    expect(events.some((e) => e.session === a1 && e.type === "watch_notified")).toBe(false);
  });

  it("a recorded config changed since it was trusted is not obeyed, and says how to trust it", async () => {
    const b1 = await spawnIn(w.repoB, "app-b");
    appendFileSync(w.configB, "# edited\n");
    const killed = await w.cron(["session", "kill", b1]);
    expect(killed.code).toBe(1);
    expect(killed.stderr).toContain(`ao trust ${w.configB}`);
    expect(await w.tmux.sessions()).toEqual([b1]);
    // ls still lists it, with one note naming the reason.
    const ls = await w.cron(["session", "ls", "--json"]);
    expect(ls.code).toBe(0);
    expect(ls.stderr).toContain("is not trusted");
    expect(JSON.parse(ls.stdout).map((v: { name: string }) => v.name)).toEqual([b1]);
  });

  it("spawn still needs a config, and an empty dataDir still says none was found", async () => {
    const none = await w.cron(["session", "ls"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toBe("Error: No agent-orchestrator.yaml found\nRun 'ao init' to create one.\n");
    await spawnIn(w.repoA, "app-a");
    const spawned = await w.cron(["spawn", "app-a"]);
    expect(spawned.code).toBe(1);
    expect(spawned.stderr).toContain("No agent-orchestrator.yaml found");
  });
});

describe("inside a session's worktree (env -i: only PATH and HOME)", () => {
  it("every command works with the session's config, and init refuses, naming the main checkout", async () => {
    const a1 = await spawnIn(w.repoA, "app-a");
    const b1 = await spawnIn(w.repoB, "app-b");
    const worktree = join(w.home, ".worktrees", "app-a-1");
    const bare = (args: string[]) => runProc("env", ["-i", `PATH=${binDir()}`, `HOME=${w.home}`, "ao", ...args], { cwd: worktree, env: {} });
    expect(Object.keys(await listed(() => bare(["session", "ls", "--json"]))).sort()).toEqual([a1, b1].sort());
    const init = await bare(["init"]);
    expect(init.code).toBe(1);
    expect(init.stderr).toContain(w.repoA);
    const killed = await bare(["session", "kill", b1]);
    expect(killed.code, killed.stderr).toBe(0);
    expect(await w.tmux.sessions()).toEqual([a1]);
  });
});

describe("one dataDir, several repositories' configs", () => {
  it("a session of another repository is listed, filtered and killed with its own config", async () => {
    await spawnIn(w.repoA, "app-a");
    const b1 = await spawnIn(w.repoB, "app-b");
    expect(Object.keys(await listed(() => w.ao(["session", "ls", "-p", "app-b", "--json"], w.repoA)))).toEqual([b1]);
    const killed = await w.ao(["session", "kill", b1], w.repoA);
    expect(killed.code, killed.stderr).toBe(0);
    const events = await w.ao(["session", "events", b1, "--json"], w.repoA);
    expect(events.stdout).toContain('"killed"');
  });
});
