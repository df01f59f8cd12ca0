import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { waitFor } from "../helpers/proc.js";
import { agentReady, baseConfig, DEMO_AGENT, useSandbox } from "../helpers/sandbox.js";

// The demo agent's resume command prints "Prompt: resumed", so a cold resume is visible.
const s = useSandbox({ config: (p) => baseConfig(p, "cleanup:\n  runtimeDeadAfter: 0\n").replace("    prompt: arg\n", `    prompt: arg\n    resumeCommand: node ${JSON.stringify(DEMO_AGENT)} resumed\n`) }, async (s) => {
  expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
  await agentReady(s, "ma-1");
});

const wt = () => join(s.worktreeDir, "my-app-1");
const status = async () => JSON.parse((await s.ao(["session", "ls", "--json"])).stdout)[0].status;

describe("pause and resume", () => {
  it("pause frees tmux, keeps the worktree; cleanup leaves it alone; resume is cold", async () => {
    const p = await s.ao(["session", "pause", "ma-1"]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toBe(`Session ma-1 paused.\n  Worktree kept: ${wt()}\n  Resume: ao session resume ma-1\n`);
    expect(await s.tmux.sessions()).toEqual([]);
    expect(existsSync(wt())).toBe(true);
    expect(await status()).toBe("paused");
    // Even with runtimeDeadAfter 0, a paused session is not dead.
    expect((await s.ao(["session", "cleanup"])).stdout).toContain("Nothing to clean.");
    const send = await s.ao(["send", "ma-1", "hi"]);
    expect(send.code).toBe(1);
    expect(send.stderr).toContain("Session ma-1 is paused\nResume it: ao session resume ma-1");
    expect((await s.ao(["session", "pause", "ma-1"])).stderr).toContain("already paused");
    const r = await s.ao(["session", "resume", "ma-1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Session ma-1 resumed (cold: the agent was relaunched).");
    await waitFor(async () => (await s.tmux.capture("ma-1")).includes("Prompt: resumed"), "the resume command");
    expect(["working", "idle"]).toContain(await status());
    const types = JSON.parse((await s.ao(["session", "events", "ma-1", "--json"])).stdout).events.map((e: { type: string }) => e.type);
    expect(types).toEqual(["spawned", "paused", "resumed"]);
  });

  it("resume is warm when the tmux session is still alive", async () => {
    expect((await s.ao(["session", "pause", "ma-1"])).code).toBe(0);
    await s.tmux.tmux("new-session", "-d", "-s", "ma-1", "-c", wt(), "sleep 60");
    const r = await s.ao(["session", "resume", "ma-1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("resumed (warm: its tmux session was still running)");
    expect(await s.tmux.capture("ma-1")).not.toContain("Prompt: resumed");
  });

  it("--release-worktree frees the branch and saves dirty work; resume puts it all back", async () => {
    writeFileSync(join(wt(), "README.md"), "# changed\n");
    writeFileSync(join(wt(), "new.txt"), "untracked\n");
    const p = await s.ao(["session", "pause", "ma-1", "--release-worktree"]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toContain("Worktree removed; branch 1 is free to check out elsewhere.");
    expect(p.stdout).toContain("Uncommitted work saved to refs/ao/saved/my-app/ma-1/1; resume puts it back.");
    expect(existsSync(wt())).toBe(false);
    // A released worktree is not a problem for doctor, and --fix leaves the session alone.
    const doc = await s.ao(["doctor", "--fix"]);
    expect(doc.code, doc.stdout).toBe(0);
    expect(await status()).toBe("paused");
    // The branch can be checked out elsewhere meanwhile…
    await git(s.repo, "checkout", "-q", "1");
    const blocked = await s.ao(["session", "resume", "ma-1"]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain(`Branch 1 is checked out in ${s.repo}`);
    await git(s.repo, "checkout", "-q", "main");
    // …and resume brings the worktree and the work back, unstaged.
    const r = await s.ao(["session", "resume", "ma-1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Worktree re-created; saved work from refs/ao/saved/my-app/ma-1/1 put back onto the branch's current HEAD.");
    expect(readFileSync(join(wt(), "README.md"), "utf8")).toBe("# changed\n");
    expect(readFileSync(join(wt(), "new.txt"), "utf8")).toBe("untracked\n");
    expect(await git(wt(), "status", "--porcelain")).toBe(" M README.md\n?? new.txt\n");
    await waitFor(async () => (await s.tmux.capture("ma-1")).includes("Prompt: resumed"), "the agent");
  });

  it("a released worktree's branch is the recorded one, even once git gives its git dir's name to another worktree", async () => {
    expect((await s.ao(["session", "pause", "ma-1", "--release-worktree"])).code).toBe(0);
    // git names a worktree's git dir after the directory: .git/worktrees/my-app-1 is free again.
    await git(s.repo, "worktree", "add", "-q", "-b", "someone-else", join(s.root, "elsewhere", "my-app-1"));
    const [view] = JSON.parse((await s.ao(["session", "ls", "--json"])).stdout);
    expect(view).toMatchObject({ name: "ma-1", status: "paused", branch: "1" });
    const r = await s.ao(["session", "resume", "ma-1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse((await s.ao(["session", "ls", "--json"])).stdout)[0].branch).toBe("1");
  });

  it("restore points a paused session to resume", async () => {
    expect((await s.ao(["session", "pause", "ma-1"])).code).toBe(0);
    const r = await s.ao(["session", "restore", "ma-1"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("ao session resume ma-1");
    expect((await s.ao(["session", "restore", "--all"])).stdout).toBe("No dead sessions to restore.\n");
  });

  it("resume of a running session points at attach; of an ended one, at a new spawn on its branch", async () => {
    const running = await s.ao(["session", "resume", "ma-1"]);
    expect(running.code).toBe(1);
    expect(running.stderr).toContain("It is running: ao session attach ma-1");
    expect((await s.ao(["session", "kill", "ma-1"])).code).toBe(0);
    const ended = await s.ao(["session", "resume", "ma-1"]);
    expect(ended.code).toBe(1);
    expect(ended.stderr).toBe("Error: Session ma-1 has ended (killed) and cannot be resumed\nStart a new session: ao spawn my-app 1 --branch 1\n");
    expect(ended.stderr).not.toContain("restore");
  });
});
