/**
 * ao killed with SIGKILL at each step of a spawn, a dead tmux server, held and
 * abandoned locks: the next ao command recognises the state and can repair it.
 */
import { spawn as spawnChild } from "node:child_process";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { agentReady, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();

const leftoverLocks = () => readdirSync(s.sessionsDir).filter((f) => f.endsWith(".lock") || f.endsWith(".tmp"));

describe("ao spawn killed with SIGKILL", () => {
  it.each([
    ["reserved", { worktree: false, tmux: false }],
    ["worktree", { worktree: true, tmux: false }],
    ["tmux", { worktree: true, tmux: true }],
    ["prompt", { worktree: true, tmux: true }],
  ])("after step %s: ls shows it stuck in spawning, and kill cleans it up", async (point, left) => {
    const crashed = await s.ao(["spawn", "my-app", "5", "--prompt", "hello"], { env: { AO_CRASH_AT: point } });
    expect(crashed.code).not.toBe(0);
    expect(existsSync(join(s.worktreeDir, "my-app-5"))).toBe(left.worktree);
    expect((await s.tmux.sessions()).includes("ma-5")).toBe(left.tmux);

    const ls = await s.ao(["session", "ls", "--json"]);
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.stdout)).toEqual([expect.objectContaining({ name: "ma-5", status: "spawning", stuck: true })]);
    expect(ls.stderr).toContain("ma-5 is stuck in spawning");
    expect(ls.stderr).toContain("ao session kill ma-5");

    const kill = await s.ao(["session", "kill", "ma-5"]);
    expect(kill.code, kill.stderr).toBe(0);
    expect(kill.stdout).toContain("Session ma-5 killed.");
    expect(existsSync(join(s.worktreeDir, "my-app-5"))).toBe(false);
    expect(await s.tmux.sessions()).toEqual([]);
    expect(leftoverLocks()).toEqual([]);
    expect(await git(s.repo, "worktree", "list")).not.toContain("my-app-5");

    // And ao carries on: the next spawn for the same issue works.
    const again = await s.ao(["spawn", "my-app", "5"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("Session ma-5-2 spawned.");
  });

  it("refuses to kill a session another ao is still creating", async () => {
    const live = spawnChild("sleep", ["30"]);
    try {
      expect((await s.ao(["spawn", "my-app", "6"], { env: { AO_CRASH_AT: "worktree" } })).code).not.toBe(0);
      const file = join(s.sessionsDir, "ma-6.json");
      const rec = JSON.parse((await import("node:fs")).readFileSync(file, "utf8"));
      writeFileSync(file, JSON.stringify({ ...rec, spawnPid: live.pid }));
      const kill = await s.ao(["session", "kill", "ma-6"]);
      expect(kill.code).toBe(1);
      expect(kill.stderr).toContain(`is still being created by ao process ${live.pid}`);
      expect(existsSync(join(s.worktreeDir, "my-app-6"))).toBe(true);
    } finally {
      live.kill();
    }
  });
});

describe("reboot: the tmux server dies", () => {
  it("ls shows every session dead; restore --all brings them back, one line each; one failure does not stop the rest", async () => {
    for (const i of ["1", "2", "3"]) expect((await s.ao(["spawn", "my-app", i])).code).toBe(0);
    await s.tmux.kill();
    const ls = JSON.parse((await s.ao(["session", "ls", "--json"])).stdout);
    expect(ls.map((x: { status: string }) => x.status)).toEqual(["dead", "dead", "dead"]);
    rmSync(join(s.worktreeDir, "my-app-2"), { recursive: true, force: true });
    const r = await s.ao(["session", "restore", "--all"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`Session ma-1 restored.\nFailed to restore ma-2: Workspace missing: ${join(s.worktreeDir, "my-app-2")}\nSession ma-3 restored.\n`);
    expect((await s.tmux.sessions()).sort()).toEqual(["ma-1", "ma-3"]);
    const again = await s.ao(["session", "restore", "--all"]);
    expect(again.stdout).toBe(`Failed to restore ma-2: Workspace missing: ${join(s.worktreeDir, "my-app-2")}\n`);
  });

  it("says so when there is nothing to restore", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    const r = await s.ao(["session", "restore", "--all"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("No dead sessions to restore.\n");
  });
});

describe("locks", () => {
  it("waits for a lock held by a live process, then gives up naming the holder", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    await agentReady(s, "ma-1");
    const holder = spawnChild("sleep", ["30"]);
    try {
      writeFileSync(join(s.sessionsDir, "ma-1.lock"), String(holder.pid));
      const r = await s.ao(["send", "ma-1", "hi"], { env: { AO_LOCK_TIMEOUT: "600" } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`Session ma-1 is locked by another ao process (pid ${holder.pid})`);
      expect(s.received("ma-1").filter((e) => e.kind === "message")).toEqual([]);
    } finally {
      holder.kill();
    }
  });

  it("takes over a lock whose owner is dead", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    await agentReady(s, "ma-1");
    writeFileSync(join(s.sessionsDir, "ma-1.lock"), "999999");
    const r = await s.ao(["send", "ma-1", "hi"], { env: { AO_LOCK_TIMEOUT: "600" } });
    expect(r.code, r.stderr).toBe(0);
    expect(leftoverLocks()).toEqual([]);
  });
});
