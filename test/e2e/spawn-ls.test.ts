import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { runProc } from "../helpers/proc.js";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { agentReady, baseConfig, useSandbox } from "../helpers/sandbox.js";
import { countingTmux } from "../helpers/tmux.js";

const s = useSandbox();

const recordPath = (name: string) => join(s.dataDir, "projects", "my-app", "sessions", `${name}.json`);

describe("ao spawn and ao session ls", () => {
  it("spawns two sessions and lists them in the exact format, and as JSON", async () => {
    const a = await s.ao(["spawn", "my-app", "INT-1234", "--title", "Fix errors", "--prompt", "Fix the errors"]);
    expect(a.stderr).not.toMatch(/Error/);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain("Session ma-int-1234 spawned.");
    expect(a.stdout).toContain(`Worktree: ${join(s.worktreeDir, "my-app-int-1234")}`);
    expect(a.stdout).toContain("Branch:   int-1234-fix-errors");
    expect(a.stdout).toContain("Attach:   tmux attach -t ma-int-1234");
    const b = await s.ao(["spawn", "my-app"]);
    expect(b.code).toBe(0);
    expect(b.stdout).toContain("Session ma-1 spawned.");

    expect(await s.tmux.sessions()).toEqual(expect.arrayContaining(["ma-int-1234", "ma-1"]));
    expect(await git(join(s.worktreeDir, "my-app-int-1234"), "branch", "--show-current")).toBe("int-1234-fix-errors\n");
    await agentReady(s, "ma-int-1234");
    expect(s.received("ma-int-1234")).toEqual([{ session: "ma-int-1234", kind: "prompt", text: "Fix the errors" }]);

    const ls = await s.ao(["session", "ls"]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^my-app:\n {2}ma-1 {2}\(\d+s\) {2}ao\/ma-1 {2}\[(working|idle)\]\n {2}ma-int-1234 {2}\(\d+s\) {2}int-1234-fix-errors {2}\[(working|idle)\]\n$/);

    const json = JSON.parse((await s.ao(["session", "ls", "--json"])).stdout);
    expect(json.map((x: { name: string }) => x.name)).toEqual(["ma-1", "ma-int-1234"]);
    expect(json[1]).toMatchObject({
      name: "ma-int-1234", project: "my-app", issue: "int-1234", title: "Fix errors", branch: "int-1234-fix-errors",
      agent: "demo", workspacePath: join(s.worktreeDir, "my-app-int-1234"), tmuxSession: "ma-int-1234", prUrl: null,
    });
    expect(["working", "idle"]).toContain(json[1].status);
    for (const key of ["createdAt", "lastActivityAt"]) expect(new Date(json[1][key]).toISOString()).toBe(json[1][key]);

    const status = JSON.parse((await s.ao(["status", "--json"])).stdout);
    expect(status).toEqual(json.map((x: object) => ({ ...x, lastActivityAt: expect.any(String) })));
  });

  it("shows the live branch of the worktree, not the recorded one", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    await git(join(s.worktreeDir, "my-app-1"), "checkout", "-q", "-b", "agent-renamed");
    const [row] = JSON.parse((await s.ao(["session", "ls", "--json"])).stdout);
    expect(row.branch).toBe("agent-renamed");
    const record = JSON.parse(readFileSync(recordPath("ma-1"), "utf8"));
    expect(record.branch).toBe("ao/ma-1");
    // ls reads HEAD in the git directory ao recorded when it made the worktree, not where the worktree's .git points now.
    expect(record.gitDir).toBe(join(s.repo, ".git", "worktrees", "my-app-1"));
    const elsewhere = join(s.root, "elsewhere");
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, "HEAD"), "ref: refs/heads/planted\n");
    writeFileSync(join(s.worktreeDir, "my-app-1", ".git"), `gitdir: ${elsewhere}\n`);
    expect(JSON.parse((await s.ao(["session", "ls", "--json"])).stdout)[0].branch).toBe("agent-renamed");
    // A record without it (older ao) follows the .git file.
    delete record.gitDir;
    writeFileSync(recordPath("ma-1"), JSON.stringify(record));
    expect(JSON.parse((await s.ao(["session", "ls", "--json"])).stdout)[0].branch).toBe("planted");
  });

  it("lists one tmux server per ls; a server set in the config alone (the early listing asked another) still shows them live", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    const tmux = countingTmux(s);
    const ls = await s.ao(["session", "ls", "--json"], { env: tmux.env });
    expect(JSON.parse(ls.stdout).map((r: { status: string }) => r.status)).not.toContain("dead");
    expect(tmux.calls()).toEqual([expect.stringMatching(/^-L \S+ list-panes -a /)]);
    // No AO_TMUX_SOCKET: bin/ao.js lists tmux's default server (here a private one under TMUX_TMPDIR) before the config is read.
    writeFileSync(s.configPath, `${readFileSync(s.configPath, "utf8")}tmux:\n  socket: ${s.tmux.socket}\n`);
    tmux.reset();
    const fromConfig = await s.ao(["session", "ls", "--json"], { env: { ...tmux.env, AO_TMUX_SOCKET: undefined, TMUX_TMPDIR: s.root } });
    expect(fromConfig.code, fromConfig.stderr).toBe(0);
    expect(JSON.parse(fromConfig.stdout)).toEqual([expect.objectContaining({ name: "ma-1", status: expect.stringMatching(/^(working|idle)$/) })]);
    expect(tmux.calls().filter((c) => c.includes(`-L ${s.tmux.socket} list-panes -a`))).toHaveLength(1);
  });

  it("writes a versioned 0600 record and an event log", async () => {
    expect((await s.ao(["spawn", "my-app", "7"])).code).toBe(0);
    const record = JSON.parse(readFileSync(recordPath("ma-7"), "utf8"));
    expect(record).toMatchObject({ schemaVersion: 1, name: "ma-7", status: "working", branch: "7", baseRef: "origin/main" });
    expect(record.spawnPid).toBeUndefined();
    expect(statSync(recordPath("ma-7")).mode & 0o777).toBe(0o600);
    expect(statSync(s.dataDir).mode & 0o777).toBe(0o700);
    const events = readFileSync(recordPath("ma-7").replace(/\.json$/, ".events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(events).toEqual([expect.objectContaining({ type: "spawned", branch: "7" })]);
    expect(statSync(recordPath("ma-7").replace(/\.json$/, ".events.jsonl")).mode & 0o777).toBe(0o600);
  });

  it("filters by project, status (with aliases) and agent; hides ended sessions unless --all", async () => {
    expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
    expect((await s.ao(["spawn", "my-app", "2"])).code).toBe(0);
    await s.tmux.tmux("kill-session", "-t", "=ma-2");
    const names = async (...args: string[]) => JSON.parse((await s.ao(["session", "ls", "--json", ...args])).stdout).map((x: { name: string }) => x.name);
    expect(await names("--status", "dead")).toEqual(["ma-2"]);
    expect(await names("--agent", "demo")).toEqual(["ma-1", "ma-2"]);
    expect(await names("--agent", "codex")).toEqual([]);
    expect(await names("-p", "my-app")).toEqual(["ma-1", "ma-2"]);
    expect((await s.ao(["session", "kill", "ma-1"])).code).toBe(0);
    expect(await names()).toEqual(["ma-2"]);
    expect(await names("--all")).toEqual(["ma-1", "ma-2"]);
    expect(await names("--status", "ended")).toEqual(["ma-1"]);
    const bad = await s.ao(["session", "ls", "--status", "sleepy"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown status: sleepy");
  });

  it("reports a damaged record by name and still lists the others", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    writeFileSync(recordPath("ma-broken"), "{ not json");
    writeFileSync(recordPath("ma-empty"), "");
    writeFileSync(recordPath("ma-future"), JSON.stringify({ schemaVersion: 99 }));
    const ls = await s.ao(["session", "ls"]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain("ma-1");
    for (const name of ["ma-broken", "ma-empty", "ma-future"]) expect(ls.stderr).toContain(`skipped damaged session record ${name}`);
    expect(ls.stderr).toContain("unsupported schemaVersion 99");
    // The damaged names stay taken: a new spawn never overwrites them.
    expect((await s.ao(["spawn", "my-app"])).stdout).toContain("Session ma-2 spawned.");
  });

  it("a FIFO where a record or the worktree's HEAD should be is read as empty, never waited on", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    await agentReady(s, "ma-1");
    const { gitDir } = JSON.parse(readFileSync(recordPath("ma-1"), "utf8"));
    await runProc("mkfifo", [recordPath("ma-pipe")]);
    // An agent can write its worktree's git dir: HEAD replaced by a FIFO.
    rmSync(join(gitDir, "HEAD"));
    await runProc("mkfifo", [join(gitDir, "HEAD")]);
    const ls = await Promise.race([s.ao(["session", "ls"]), new Promise<"hung">((r) => setTimeout(() => r("hung"), 8_000))]);
    expect(ls).toMatchObject({ code: 0, stdout: expect.stringContaining("  ma-1  ") });
    if (ls !== "hung") expect(ls.stderr).toContain("skipped damaged session record ma-pipe");
  });

  it("resolves unique prefixes; exact names win; ambiguity lists candidates", async () => {
    for (const issue of ["1", "10", "INT-5"]) expect((await s.ao(["spawn", "my-app", issue])).code).toBe(0);
    const get = async (q: string) => s.ao(["session", "get", q, "--json"]);
    expect(JSON.parse((await get("ma-int")).stdout).name).toBe("ma-int-5");
    expect(JSON.parse((await get("ma-1")).stdout).name).toBe("ma-1");
    const amb = await get("ma-");
    expect(amb.code).toBe(1);
    expect(amb.stderr).toContain("ma-1, ma-10, ma-int-5");
    const text = await s.ao(["session", "get", "ma-10"]);
    expect(text.stdout).toMatch(/Session: +ma-10/);
    expect(text.stdout).toMatch(/Worktree: +.*my-app-10/);
  });

  it("never gives two concurrent spawns the same name", async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => s.ao(["spawn", "my-app"])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    // Concurrent fetches race for the origin/main ref lock; none may fall back to a stale local main.
    for (const r of results) expect(r.stderr).not.toContain("Warning");
    const names = results.map((r) => /Session (\S+) spawned/.exec(r.stdout)?.[1]).sort();
    expect(names).toEqual(["ma-1", "ma-2", "ma-3", "ma-4"]);
    expect((await s.tmux.sessions()).sort()).toEqual(names);
  });

  it("gives a second session for the same issue -2 and its own branch", async () => {
    expect((await s.ao(["spawn", "my-app", "INT-9"])).code).toBe(0);
    const second = await s.ao(["spawn", "my-app", "INT-9"]);
    expect(second.stdout).toContain("Session ma-int-9-2 spawned.");
    expect(second.stdout).toContain("Branch:   int-9-2");
    expect(second.stdout).toContain(join(s.worktreeDir, "my-app-int-9-2"));
  });

  it("checks out an existing branch instead of recreating it", async () => {
    await git(s.repo, "branch", "int-3");
    await git(s.repo, "checkout", "-q", "int-3");
    writeFileSync(join(s.repo, "wip.txt"), "on the branch\n");
    await git(s.repo, "add", ".");
    await git(s.repo, "commit", "-q", "-m", "wip");
    await git(s.repo, "checkout", "-q", "main");
    const r = await s.ao(["spawn", "my-app", "INT-3"]);
    expect(r.code).toBe(0);
    expect(existsSync(join(s.worktreeDir, "my-app-int-3", "wip.txt"))).toBe(true);
  });

  it("fails a postCreate step and leaves nothing behind", async () => {
    s.writeConfig(baseConfig(s, "").replace("sessionPrefix: ma", "sessionPrefix: ma\n    postCreate: [\"touch made-by-hook\", \"echo boom >&2; exit 7\"]"));
    const r = await s.ao(["spawn", "my-app", "INT-1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Spawn failed at step "postCreate: echo boom >&2; exit 7"');
    expect(r.stderr).toContain("exited with code 7");
    expect(r.stderr).toContain("boom");
    // The file postCreate made is kept in a ref, and the message says so.
    expect(r.stderr).toContain("Nothing was left behind but refs/ao/saved/my-app/ma-int-1/1, which holds the files the failed steps created (named in the record of ma-int-1, now killed).");
    expect(await git(s.repo, "show", "refs/ao/saved/my-app/ma-int-1/1:made-by-hook")).toBe("");
    expect(existsSync(join(s.worktreeDir, "my-app-int-1"))).toBe(false);
    // The record stays, killed, so the ref it names is never unnamed.
    expect(readdirSync(s.sessionsDir).filter((f) => f.endsWith(".json"))).toEqual(["ma-int-1.json"]);
    expect(JSON.parse(readFileSync(join(s.sessionsDir, "ma-int-1.json"), "utf8"))).toMatchObject({ status: "killed", savedRefs: ["refs/ao/saved/my-app/ma-int-1/1"] });
    expect(await s.tmux.sessions()).toEqual([]);
    expect(await git(s.repo, "branch", "--list", "int-1")).toBe("");
    expect(await git(s.repo, "worktree", "list", "--porcelain")).not.toContain("my-app-int-1");
  });

  it("says plainly that nothing was left behind when a failed step made no files", async () => {
    s.writeConfig(baseConfig(s, "").replace("sessionPrefix: ma", "sessionPrefix: ma\n    postCreate: [\"exit 3\"]"));
    const r = await s.ao(["spawn", "my-app"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Nothing was left behind.");
    expect(await git(s.repo, "for-each-ref", "refs/ao")).toBe("");
  });

  it("links symlinks and runs postCreate in the new worktree with AO_SESSION", async () => {
    writeFileSync(join(s.repo, ".env"), "SECRET=1\n");
    s.writeConfig(baseConfig(s, "").replace("sessionPrefix: ma", "sessionPrefix: ma\n    symlinks: [\".env\"]\n    postCreate: [\"echo $AO_SESSION > hook.txt\"]"));
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    const wt = join(s.worktreeDir, "my-app-1");
    expect(readFileSync(join(wt, ".env"), "utf8")).toBe("SECRET=1\n");
    expect(readFileSync(join(wt, "hook.txt"), "utf8")).toBe("ma-1\n");
  });

  it("works in an everyday shell environment (EDITOR, PAGER, GIT_SSH_COMMAND, PREFIX set)", async () => {
    const env = { EDITOR: "vim", VISUAL: "code -w", PAGER: "less", GIT_PAGER: "delta", GIT_SSH_COMMAND: "ssh -o BatchMode=yes", PREFIX: "/usr/local", GIT_CONFIG_GLOBAL: join(s.root, "gitconfig") };
    const r = await s.ao(["spawn", "my-app", "INT-1"], { env });
    expect(r.code, r.stderr).toBe(0);
    writeFileSync(join(s.worktreeDir, "my-app-int-1", "wip.txt"), "x");
    const kill = await s.ao(["session", "kill", "ma-int-1", "--force"], { env });
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stdout).toContain("refs/ao/saved/my-app/ma-int-1/1");
  });

  it("falls back to the local default branch with a warning when origin cannot be fetched", async () => {
    await git(s.repo, "remote", "set-url", "origin", join(s.root, "gone.git"));
    const r = await s.ao(["spawn", "my-app"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Warning: could not fetch origin\/main .*; using local main/);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("Warning")).length).toBe(1);
  });

  it("starts the branch from the freshly fetched origin, not a stale local main", async () => {
    const other = join(s.root, "other");
    await git(s.root, "clone", "-q", s.origin, other);
    writeFileSync(join(other, "upstream.txt"), "new\n");
    await git(other, "add", ".");
    await git(other, "commit", "-q", "-m", "upstream change");
    await git(other, "push", "-q", "origin", "main");
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    expect(existsSync(join(s.worktreeDir, "my-app-1", "upstream.txt"))).toBe(true);
  });
});

describe("errors and usage", () => {
  it("unknown project: exact message, exit 1", async () => {
    for (const args of [["session", "ls", "-p", "nope"], ["spawn", "nope"], ["status", "-p", "nope"]]) {
      const r = await s.ao(args);
      expect(r.code).toBe(1);
      expect(r.stderr.split("\n")[0]).toBe("Unknown project: nope");
    }
  });

  it("missing config: exact message and hint, exit 1", async () => {
    const r = await s.ao(["session", "ls"], { env: { AO_CONFIG: "" }, cwd: "/" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: No agent-orchestrator.yaml found\nRun 'ao init' to create one.\n");
  });

  it("bad config: the key and line, no stack trace", async () => {
    writeFileSync(s.configPath, `${readFileSync(s.configPath, "utf8")}colour: blue\n`);
    const r = await s.ao(["session", "ls"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: Unknown key "colour" in .* \(line \d+\)\n$/);
  });

  it("says clearly when tmux is not installed", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    const bin = join(s.root, "bin-without-tmux");
    mkdirSync(bin);
    symlinkSync((await runProc("sh", ["-c", "command -v git"])).stdout.trim(), join(bin, "git"));
    const r = await s.ao(["session", "ls"], { env: { PATH: bin } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Error: tmux is not installed");
    expect(r.stderr).toContain("apt-get install tmux");
  });

  it("usage errors exit 2 with a message", async () => {
    const cases = [["spawn"], ["session", "ls", "--bogus"], ["session", "get"], ["spawn", "my-app", "a;b"], ["spawn", "my-app", "--agent", "ghost"], ["send", "ma-1"], ["session", "bogus"]];
    for (const args of cases) {
      const r = await s.ao(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.length, args.join(" ")).toBeGreaterThan(0);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("refuses an invalid --branch and changes nothing", async () => {
    const r = await s.ao(["spawn", "my-app", "--branch", "bad..name"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Invalid branch name");
    expect(existsSync(s.worktreeDir)).toBe(false);
  });

  it("help shows a description and an example for every command", async () => {
    const commands = [[], ["init"], ["trust"], ["spawn"], ["send"], ["status"], ["session"], ["session", "ls"], ["session", "get"], ["session", "attach"], ["session", "kill"], ["session", "restore"], ["session", "cleanup"], ["session", "exec"], ["doctor"], ["watch"], ["dash"]];
    for (const c of commands) {
      const r = await s.ao([...c, "--help"]);
      expect(r.code, c.join(" ")).toBe(0);
      expect(r.stdout, c.join(" ")).toMatch(/Example/);
      expect(r.stdout, c.join(" ")).toMatch(/\$ .*\bao /);
    }
  });

  it("--version prints the package version", async () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8"));
    expect((await s.ao(["--version"])).stdout).toBe(`${pkg.version}\n`);
    expect((await s.ao(["-V"])).stdout).toBe(`${pkg.version}\n`);
  });

  it("colours only on request: FORCE_COLOR gives ANSI, --no-color and NO_COLOR remove it", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    expect((await s.ao(["session", "ls"], { env: { FORCE_COLOR: "1" } })).stdout).toContain("\u001b[32mma-1");
    expect((await s.ao(["session", "ls", "--no-color"], { env: { FORCE_COLOR: "1" } })).stdout).not.toContain("\u001b[");
    expect((await s.ao(["--no-color", "session", "ls"], { env: { FORCE_COLOR: "1" } })).stdout).not.toContain("\u001b[");
    expect((await s.ao(["session", "ls"], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } })).stdout).not.toContain("\u001b[");
  });
});

describe("ao init", () => {
  it("writes a config for the repository and refuses to overwrite it", async () => {
    await git(s.repo, "remote", "set-url", "origin", "git@github.com:acme/widgets.git");
    const r = await s.ao(["init"], { cwd: s.repo, env: { AO_CONFIG: "" } });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(s.repo, "agent-orchestrator.yaml"), "utf8");
    expect(text).toContain("repo: acme/widgets");
    expect(text).toContain(`path: ${JSON.stringify(s.repo)}`);
    expect(text).toContain("defaultBranch: \"main\"");
    const again = await s.ao(["init"], { cwd: s.repo, env: { AO_CONFIG: "" } });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already exists");
    expect((await s.ao(["init", "--force"], { cwd: s.repo, env: { AO_CONFIG: "" } })).code).toBe(0);
    // The written file is a valid config that ao can list from.
    const ls = await s.ao(["session", "ls", "-p", "repo"], { cwd: s.repo, env: { AO_CONFIG: "" } });
    expect(ls.code, ls.stderr).toBe(0);
  });

  it("takes the remote's default branch, not the branch checked out", async () => {
    await git(s.repo, "checkout", "-q", "-b", "feature/login");
    const asked = await s.ao(["init"], { cwd: s.repo, env: { AO_CONFIG: "" } });
    expect(asked.code, asked.stderr).toBe(0);
    expect(readFileSync(join(s.repo, "agent-orchestrator.yaml"), "utf8")).toContain('defaultBranch: "main"');
    expect(asked.stdout).toContain("Sessions start from main, taken from origin's HEAD;");
    // A clone knows origin/HEAD without asking.
    await git(s.origin, "symbolic-ref", "HEAD", "refs/heads/trunk");
    await git(s.repo, "push", "-q", "origin", "HEAD:refs/heads/trunk");
    await git(s.repo, "remote", "set-head", "origin", "trunk");
    const cloned = await s.ao(["init", "--force"], { cwd: s.repo, env: { AO_CONFIG: "" } });
    expect(cloned.stdout).toContain("Sessions start from trunk, taken from origin/HEAD;");
    // No remote at all: the local main.
    await git(s.repo, "remote", "remove", "origin");
    const local = await s.ao(["init", "--force"], { cwd: s.repo, env: { AO_CONFIG: "" } });
    expect(local.stdout).toContain("Sessions start from main, taken from the local main branch (no remote default found);");
  });

  it("refuses outside a git repository", async () => {
    const r = await s.ao(["init"], { cwd: s.dataDir.replace(/data$/, ""), env: { AO_CONFIG: "", GIT_CEILING_DIRECTORIES: s.root } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Not inside a git repository");
  });
});
