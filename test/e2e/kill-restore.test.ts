import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { waitFor } from "../helpers/proc.js";
import { agentReady, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();

const wt = (n: string) => join(s.worktreeDir, `my-app-${n}`);
const record = (name: string) => JSON.parse(readFileSync(join(s.dataDir, "projects", "my-app", "sessions", `${name}.json`), "utf8"));

async function spawn(...args: string[]): Promise<string> {
  const r = await s.ao(["spawn", "my-app", ...args]);
  expect(r.code, r.stderr).toBe(0);
  return /Session (\S+) spawned/.exec(r.stdout)![1]!;
}

describe("ao session kill", () => {
  it("kills a clean session: tmux gone, worktree removed, branch kept, status killed", async () => {
    const name = await spawn("INT-1");
    const r = await s.ao(["session", "kill", name]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Session ${name} killed.\n`);
    expect(await s.tmux.sessions()).toEqual([]);
    expect(existsSync(wt("int-1"))).toBe(false);
    expect(await git(s.repo, "branch", "--list", "int-1")).toContain("int-1");
    expect(record(name).status).toBe("killed");
    expect(await git(s.repo, "worktree", "list")).not.toContain("my-app-int-1");
  });

  it("unknown session: exact message, exit 1", async () => {
    const r = await s.ao(["session", "kill", "ao-int-1234"]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe("Failed to kill session ao-int-1234: Session not found");
  });

  it("refuses to drop uncommitted or untracked work, and changes nothing", async () => {
    const name = await spawn("INT-2");
    writeFileSync(join(wt("int-2"), "README.md"), "# edited\n");
    writeFileSync(join(wt("int-2"), "new-file.txt"), "untracked\n");
    const r = await s.ao(["session", "kill", name]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Failed to kill session ${name}: Uncommitted or untracked changes in ${wt("int-2")}`);
    expect(r.stderr).toContain(`ao session kill ${name} --force`);
    expect(existsSync(join(wt("int-2"), "new-file.txt"))).toBe(true);
    expect(await s.tmux.sessions()).toEqual([name]);
    expect(record(name).status).toBe("working");
  });

  it("with --force saves the work to a ref it names, and the work is recoverable", async () => {
    const name = await spawn("INT-3");
    writeFileSync(join(wt("int-3"), "README.md"), "# edited\n");
    mkdirSync(join(wt("int-3"), "deep", "dir"), { recursive: true });
    writeFileSync(join(wt("int-3"), "deep", "dir", "new.txt"), "untracked work\n");
    writeFileSync(join(wt("int-3"), "ignored.log"), "x");
    mkdirSync(join(wt("int-3"), "node_modules"));
    writeFileSync(join(wt("int-3"), "node_modules", "dep.js"), "ignored\n");
    const r = await s.ao(["session", "kill", name, "--force"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Session ${name} killed.`);
    expect(r.stdout).toContain(`Saved uncommitted work to refs/ao/saved/my-app/${name}/1`);
    expect(existsSync(wt("int-3"))).toBe(false);
    expect(record(name).savedRefs).toEqual([`refs/ao/saved/my-app/${name}/1`]);

    // Recover: a fresh checkout of the kept branch, then the saved files.
    const back = join(s.root, "recovered");
    await git(s.repo, "worktree", "add", "-q", back, "int-3");
    await git(back, "checkout", `refs/ao/saved/my-app/${name}/1`, "--", ".");
    expect(readFileSync(join(back, "README.md"), "utf8")).toBe("# edited\n");
    expect(readFileSync(join(back, "deep", "dir", "new.txt"), "utf8")).toBe("untracked work\n");
    expect(existsSync(join(back, "node_modules", "dep.js"))).toBe(false);
  });

  it("keeps unpushed commits on the branch", async () => {
    const name = await spawn("INT-4");
    writeFileSync(join(wt("int-4"), "feature.txt"), "done\n");
    await git(wt("int-4"), "add", ".");
    await git(wt("int-4"), "commit", "-q", "-m", "feature");
    expect((await s.ao(["session", "kill", name])).code).toBe(0);
    expect(await git(s.repo, "show", "int-4:feature.txt")).toBe("done\n");
  });

  it("refuses to kill twice", async () => {
    const name = await spawn();
    expect((await s.ao(["session", "kill", name])).code).toBe(0);
    const again = await s.ao(["session", "kill", name]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already killed");
  });
});

describe("ao session restore", () => {
  it("restores after tmux kill-session, in the same worktree, with the exact output", async () => {
    const name = await spawn("INT-1234", "--title", "fix errors");
    await s.tmux.tmux("kill-session", "-t", `=${name}`);
    const ls = JSON.parse((await s.ao(["session", "ls", "--json"])).stdout);
    expect(ls[0].status).toBe("dead");
    const r = await s.ao(["session", "restore", name]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `Session ${name} restored.\n  Worktree: ${wt("int-1234")}\n  Branch:   int-1234-fix-errors\n  Attach:   tmux attach -t ${name}\n`,
    );
    await agentReady(s, name);
    expect(await s.tmux.capture(name)).toContain(`Demo agent (${name}) in ${wt("int-1234")}`);
    expect(record(name).status).toBe("working");
    const events = readFileSync(join(s.dataDir, "projects", "my-app", "sessions", `${name}.events.jsonl`), "utf8");
    expect(events).toContain('"type":"restored"');
  });

  it("restores a session whose agent exited (tmux alive, pane dead)", async () => {
    const name = await spawn();
    await agentReady(s, name);
    expect((await s.ao(["send", name, "/crash"])).code).toBe(0);
    await waitFor(async () => JSON.parse((await s.ao(["session", "ls", "--json"])).stdout)[0].status === "dead", "dead status");
    // The agent's last screen is still there to read.
    expect(await s.tmux.capture(name)).toContain("Agent exiting (3)");
    const r = await s.ao(["session", "restore", name]);
    expect(r.code, r.stderr).toBe(0);
    await agentReady(s, name);
    expect(["working", "idle"]).toContain(JSON.parse((await s.ao(["session", "ls", "--json"])).stdout)[0].status);
  });

  it("uses the agent's resumeCommand when it has one", async () => {
    s.writeConfig(readFileSync(s.configPath, "utf8").replace("    prompt: arg\n", `    prompt: arg\n    resumeCommand: node ${JSON.stringify(join(import.meta.dirname, "..", "..", "scripts", "demo-agent.mjs"))} resumed\n`));
    const name = await spawn();
    await s.tmux.tmux("kill-session", "-t", `=${name}`);
    expect((await s.ao(["session", "restore", name])).code).toBe(0);
    await waitFor(async () => (await s.tmux.capture(name)).includes("Prompt: resumed"), "resume command");
  });

  it("refuses while running: exact message, exit 1", async () => {
    const name = await spawn();
    const r = await s.ao(["session", "restore", name]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe("Cannot restore: Session is still running");
  });

  it("refuses when the worktree is gone: exact message, exit 1", async () => {
    const name = await spawn("INT-8");
    expect((await s.ao(["session", "kill", name])).code).toBe(0);
    const r = await s.ao(["session", "restore", name]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n")[0]).toBe(`Workspace missing: ${wt("int-8")}`);
  });

  it("restores every session after the tmux server dies", async () => {
    const a = await spawn();
    const b = await spawn();
    await s.tmux.kill();
    const ls = JSON.parse((await s.ao(["session", "ls", "--json"])).stdout);
    expect(ls.map((x: { status: string }) => x.status)).toEqual(["dead", "dead"]);
    for (const name of [a, b]) expect((await s.ao(["session", "restore", name])).code).toBe(0);
    expect((await s.tmux.sessions()).sort()).toEqual([a, b]);
  });
});
