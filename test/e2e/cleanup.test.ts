import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { useGitHubSandbox, withRepo } from "../helpers/github-sandbox.js";
import { baseConfig } from "../helpers/sandbox.js";

const TOKEN = "ghp_testtoken_DO_NOT_LEAK_1234567890";
const configWithRepo = (extra = "") => (p: Parameters<typeof baseConfig>[0]) => withRepo(baseConfig(p, extra));
const { s, gh } = useGitHubSandbox(TOKEN);

const record = (name: string) => JSON.parse(readFileSync(join(s.sessionsDir, `${name}.json`), "utf8"));
const wt = (n: string) => join(s.worktreeDir, `my-app-${n}`);
const repoOf = () => gh.repos.get("acme/app")!;

async function spawn(issue?: string): Promise<string> {
  const r = await s.ao(["spawn", "my-app", ...(issue ? [issue] : [])]);
  expect(r.code, r.stderr).toBe(0);
  return /Session (\S+) spawned/.exec(r.stdout)![1]!;
}

/** Commits in the worktree and pushes the branch; returns the commit. */
async function commitAndPush(dir: string, file: string, push = true): Promise<string> {
  writeFileSync(join(dir, file), `${file}\n`);
  await git(dir, "add", ".");
  await git(dir, "commit", "-q", "-m", `add ${file}`);
  if (push) await git(dir, "push", "-q", "origin", "HEAD");
  return (await git(dir, "rev-parse", "HEAD")).trim();
}

describe("ao session cleanup", () => {
  it("cleans a session whose PR merged, keeps open and closed-unmerged ones", async () => {
    const merged = await spawn("INT-1");
    const open = await spawn("INT-2");
    const closed = await spawn("INT-3");
    repoOf().pulls.push(
      { number: 11, headRefName: "int-1", headRefOid: await commitAndPush(wt("int-1"), "a.txt"), state: "MERGED" },
      { number: 12, headRefName: "int-2", headRefOid: await commitAndPush(wt("int-2"), "b.txt"), state: "OPEN" },
      { number: 13, headRefName: "int-3", headRefOid: await commitAndPush(wt("int-3"), "c.txt"), state: "CLOSED" },
    );
    const r = await s.ao(["session", "cleanup"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("Checking for completed sessions...\n\n  Cleaned: ma-int-1\n\nCleanup complete. 1 session cleaned.\n");
    expect(record(merged)).toMatchObject({ status: "done", endedReason: "PR #11 merged", prUrl: "https://github.com/acme/app/pull/11" });
    expect(existsSync(wt("int-1"))).toBe(false);
    expect(await git(s.repo, "branch", "--list", "int-1")).toContain("int-1");
    const again = await s.ao(["session", "kill", merged]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Failed to kill session ${merged}: Session ${merged} is already done\nIt ended: PR #11 merged.`);
    expect((await s.tmux.sessions()).sort()).toEqual([open, closed].sort());
    expect(record(open)).toMatchObject({ status: "working", pr: { number: 12, state: "OPEN" } });
    expect(record(closed)).toMatchObject({ status: "working", pr: { number: 13, state: "CLOSED" } });
    const events = readFileSync(join(s.sessionsDir, `${merged}.events.jsonl`), "utf8");
    expect(events).toContain('"type":"status_changed","from":"working","to":"done","reason":"PR #11 merged"');
    expect(gh.graphqlRequests()).toBe(1);
  });

  it("cleans a session whose GitHub issue is closed", async () => {
    const name = await spawn("7");
    repoOf().issues[7] = "CLOSED";
    repoOf().issues[8] = "OPEN";
    const other = await spawn("gh-8");
    const r = await s.ao(["session", "cleanup"]);
    expect(r.stdout).toContain(`  Cleaned: ${name}\n`);
    expect(record(name)).toMatchObject({ status: "done", endedReason: "issue #7 closed" });
    expect(record(other).status).toBe("working");
  });

  it("cleans a squash-merged PR whose head is ahead of the worktree (pushed from elsewhere)", async () => {
    const name = await spawn("INT-5");
    await commitAndPush(wt("int-5"), "mine.txt");
    // Someone else adds a commit to the PR branch; the PR is then squash-merged into main.
    const other = join(s.root, "other");
    await git(s.root, "clone", "-q", s.origin, other);
    await git(other, "checkout", "-q", "int-5");
    const head = await commitAndPush(other, "review-fix.txt");
    await git(other, "checkout", "-q", "main");
    await git(other, "merge", "--squash", "-q", "int-5");
    await git(other, "commit", "-q", "-m", "Squashed PR #15");
    await git(other, "push", "-q", "origin", "main");
    repoOf().pulls.push({ number: 15, headRefName: "int-5", headRefOid: head, state: "MERGED" });
    const r = await s.ao(["session", "cleanup"]);
    expect(r.stdout).toContain(`  Cleaned: ${name}\n`);
    expect(record(name).status).toBe("done");
  });

  it("keeps a merged session whose worktree has commits after the PR head, and says why", async () => {
    const name = await spawn("INT-6");
    const head = await commitAndPush(wt("int-6"), "one.txt");
    await commitAndPush(wt("int-6"), "two.txt", false);
    repoOf().pulls.push({ number: 16, headRefName: "int-6", headRefOid: head, state: "MERGED" });
    const r = await s.ao(["session", "cleanup"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Checking for completed sessions...\n\n  Keeping ${name}: PR #16 is merged, but the worktree has 1 commit after its head\n\nNothing to clean.\n`);
    expect(record(name).status).toBe("working");
  });

  it("saves uncommitted work before removing a merged session's worktree, and names the ref", async () => {
    const name = await spawn("INT-7");
    const head = await commitAndPush(wt("int-7"), "done.txt");
    writeFileSync(join(wt("int-7"), "notes.txt"), "not committed\n");
    repoOf().pulls.push({ number: 17, headRefName: "int-7", headRefOid: head, state: "MERGED" });
    const r = await s.ao(["session", "cleanup"]);
    expect(r.stdout).toContain(`  Cleaned: ${name}\n    Uncommitted work saved to refs/ao/saved/my-app/${name}/1\n`);
    expect(await git(s.repo, "show", `refs/ao/saved/my-app/${name}/1:notes.txt`)).toBe("not committed\n");
  });

  it("goes on after a session fails to clean, reports it, and exits 1", async () => {
    const broken = await spawn("31");
    const fine = await spawn("32");
    repoOf().issues[31] = "CLOSED";
    repoOf().issues[32] = "CLOSED";
    // git cannot read this worktree any more, so ao cannot tell whether it holds work: it must not remove it.
    writeFileSync(join(wt("31"), ".git"), "gitdir: /nonexistent\n");
    writeFileSync(join(wt("31"), "precious.txt"), "work\n");
    const r = await s.ao(["session", "cleanup"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^Checking for completed sessions\\.\\.\\.\\n\\n  Error cleaning ${broken}: .+\\n  Cleaned: ${fine}\\n\\nCleanup complete\\. 1 session cleaned\\.\\n$`));
    expect(readFileSync(join(wt("31"), "precious.txt"), "utf8")).toBe("work\n");
    expect(record(broken).status).toBe("working");
    expect(await s.tmux.sessions()).toEqual([broken]);
    expect(record(fine).status).toBe("done");
  });

  it("cleans a dead runtime only after runtimeDeadAfter", async () => {
    s.writeConfig(configWithRepo("cleanup:\n  runtimeDeadAfter: 2s\n")(s));
    const name = await spawn();
    await s.tmux.tmux("kill-session", "-t", `=${name}`);
    const first = await s.ao(["session", "cleanup"]);
    expect(first.stdout).toBe("Checking for completed sessions...\n\nNothing to clean.\n");
    expect(record(name).deadSince).toBeDefined();
    await new Promise((r) => setTimeout(r, 2_100));
    const second = await s.ao(["session", "cleanup"]);
    expect(second.stdout).toContain(`  Cleaned: ${name}\n`);
    expect(record(name)).toMatchObject({ status: "exited" });
    expect(record(name).endedReason).toMatch(/^runtime dead for \ds$/);
  });

  it("--dry-run prints the plan and changes nothing", async () => {
    const a = await spawn("INT-8");
    const b = await spawn("9");
    repoOf().pulls.push({ number: 18, headRefName: "int-8", headRefOid: await commitAndPush(wt("int-8"), "x.txt"), state: "MERGED" });
    repoOf().issues[9] = "CLOSED";
    const snapshot = () => readdirSync(s.sessionsDir).sort().map((f) => [f, readFileSync(join(s.sessionsDir, f), "utf8")]);
    const before = snapshot();
    const r = await s.ao(["session", "cleanup", "--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Checking for completed sessions...\n\n  Would kill ${b}\n  Would kill ${a}\n\nDry run complete. 2 sessions would be cleaned.\n`);
    expect(snapshot()).toEqual(before);
    expect(existsSync(wt("int-8")) && existsSync(wt("9"))).toBe(true);
    expect((await s.tmux.sessions()).sort()).toEqual([b, a].sort());
    const json = JSON.parse((await s.ao(["session", "cleanup", "--dry-run", "--json"])).stdout);
    expect(json.dryRun).toBe(true);
    expect(json.sessions).toEqual(expect.arrayContaining([expect.objectContaining({ name: a, decision: "clean", status: "done", reason: "PR #18 merged", cleaned: false })]));
    expect(snapshot()).toEqual(before);
  });

  it("leaves everything alone when GitHub is down, warns once per cause and exits 1", async () => {
    const a = await spawn("INT-10");
    const b = await spawn("INT-11");
    repoOf().pulls.push({ number: 20, headRefName: "int-10", headRefOid: await commitAndPush(wt("int-10"), "x.txt"), state: "MERGED" });
    gh.state.failAll = { status: 502, body: { message: "Server Error" } };
    const before = readFileSync(join(s.sessionsDir, `${a}.json`), "utf8");
    const r = await s.ao(["session", "cleanup"], { env: { AO_GITHUB_TIMEOUT: "1s" } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("Checking for completed sessions...\n\nNothing to clean.\n");
    const warnings = r.stderr.split("\n").filter((l) => l.startsWith("Warning:"));
    expect(warnings).toEqual([`Warning: GitHub could not be asked (acme/app: GitHub answered HTTP 502); left alone: ${a}, ${b}`]);
    expect(readFileSync(join(s.sessionsDir, `${a}.json`), "utf8")).toBe(before);
    expect(gh.graphqlRequests()).toBeGreaterThan(1); // it retried
  });

  it("names the token's variable, never its value, when GitHub rejects it", async () => {
    await spawn("INT-12");
    gh.state.token = "a-different-token";
    const r = await s.ao(["session", "cleanup", "--json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("GitHub rejected the token from GITHUB_TOKEN (HTTP 401)");
    const everything = [r.stdout, r.stderr, ...readdirSync(s.sessionsDir).map((f) => readFileSync(join(s.sessionsDir, f), "utf8"))].join("\n");
    expect(everything).not.toContain(TOKEN);
  });

  it("runs one cleanup at a time: a second run waits, then exits 1 saying who holds the lock", async () => {
    const name = await spawn("13");
    repoOf().issues[13] = "CLOSED";
    gh.state.delayMs = 1_500;
    const first = s.ao(["session", "cleanup"]);
    await new Promise((r) => setTimeout(r, 700));
    const second = await s.ao(["session", "cleanup"], { env: { AO_LOCK_TIMEOUT: "200" } });
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(/^Another cleanup is running \(pid \d+\)\.\n$/);
    const done = await first;
    expect(done.stdout).toContain(`  Cleaned: ${name}\n`);
    expect(existsSync(join(s.dataDir, "cleanup.lock"))).toBe(false);
  });

  it("takes over the lock of a cleanup that died", async () => {
    await spawn();
    writeFileSync(join(s.dataDir, "cleanup.lock"), "999999");
    const r = await s.ao(["session", "cleanup"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Nothing to clean.");
  });

  it("asks about 60 sessions with two requests", async () => {
    const now = new Date().toISOString();
    mkdirSync(s.sessionsDir, { recursive: true });
    for (let i = 1; i <= 60; i++) {
      const name = `ma-${i}`;
      writeFileSync(join(s.sessionsDir, `${name}.json`), JSON.stringify({ schemaVersion: 1, name, project: "my-app", issue: String(i), title: null, branch: `${i}`, baseRef: "origin/main", agent: "demo", workspacePath: join(s.worktreeDir, `my-app-${i}`), tmuxSession: name, status: "working", prUrl: null, createdAt: now, updatedAt: now, lastActivityAt: now, deadSince: now }));
    }
    const r = await s.ao(["session", "cleanup", "--dry-run"]);
    expect(r.code, r.stderr).toBe(0);
    expect(gh.graphqlRequests()).toBe(2);
  });
});

describe("GitHub state in ls and status", () => {
  it("shows the PR URL after a refresh, falls back to the cache when GitHub fails, and --offline asks nothing", async () => {
    const name = await spawn("INT-20");
    repoOf().pulls.push({ number: 30, headRefName: "int-20", headRefOid: await commitAndPush(wt("int-20"), "x.txt"), state: "OPEN", isDraft: true });
    const ls = await s.ao(["session", "ls"]);
    expect(ls.stdout).toMatch(new RegExp(`  ${name}  \\(\\d+s\\)  int-20  \\[(working|idle)\\]  https://github.com/acme/app/pull/30\\n`));
    expect((await s.ao(["status"])).stdout).toContain("PR #30 draft");
    const asked = gh.graphqlRequests();
    // Within the TTL the cache is used: no request.
    expect((await s.ao(["session", "ls"])).code).toBe(0);
    expect(gh.graphqlRequests()).toBe(asked);
    // Expired cache and GitHub down: the cached state, with a note.
    s.writeConfig(configWithRepo("github:\n  apiUrl: https://api.github.com\n  cacheTtl: 0\n")(s));
    gh.state.failAll = { status: 503 };
    const stale = await s.ao(["session", "ls", "--json"]);
    expect(stale.code).toBe(0);
    expect(JSON.parse(stale.stdout)[0]).toMatchObject({ prUrl: "https://github.com/acme/app/pull/30", pr: { number: 30, state: "OPEN" } });
    expect(stale.stderr).toContain("Note: GitHub state not refreshed (acme/app: GitHub answered HTTP 503); showing the cached state.");
    const before = gh.requests.length;
    expect((await s.ao(["session", "ls", "--offline"])).code).toBe(0);
    expect(gh.requests.length).toBe(before);
  });

  it("reads a public repository without a token, with a note on rate limits", async () => {
    delete s.env.GITHUB_TOKEN;
    gh.state.token = undefined;
    const name = await spawn("INT-21");
    repoOf().pulls.push({ number: 31, headRefName: "int-21", headRefOid: await commitAndPush(wt("int-21"), "x.txt"), state: "MERGED" });
    // A gh that is installed but not logged in, as on many machines.
    const bin = join(s.root, "no-gh");
    mkdirSync(bin);
    writeFileSync(join(bin, "gh"), "#!/bin/sh\necho 'not logged in' >&2\nexit 1\n", { mode: 0o755 });
    const r = await s.ao(["session", "cleanup"], { env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(r.stderr).toContain("No GitHub token");
    expect(r.stdout).toContain(`  Cleaned: ${name}\n`);
    expect(gh.graphqlRequests()).toBe(0);
  });
});
