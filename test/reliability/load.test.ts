/** Load: many ao processes at once, and many records. */
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { waitFor, type Result } from "../helpers/proc.js";
import { agentReady, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();


it("20 parallel spawns interleaved with ls, send and cleanup: 20 distinct sessions, no error, no lock left", { timeout: 180_000 }, async () => {
  expect((await s.ao(["spawn", "my-app"])).code).toBe(0); // ma-1: the target of the sends
  await agentReady(s, "ma-1");
  const spawns = Array.from({ length: 20 }, () => s.ao(["spawn", "my-app"]));
  const others: Promise<Result>[] = [];
  for (let i = 0; i < 6; i++) {
    others.push(s.ao(["session", "ls"]), s.ao(["send", "ma-1", `message ${i}`]), s.ao(["session", "cleanup", i % 2 ? "--dry-run" : "--json"]));
    await new Promise((r) => setTimeout(r, 150));
  }
  const spawned = await Promise.all(spawns);
  const rest = await Promise.all(others);
  for (const r of spawned) {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/Warning|Error/);
  }
  for (const r of rest) expect(r.code, r.stderr).toBe(0);

  const names = spawned.map((r) => /Session (\S+) spawned/.exec(r.stdout)![1]!);
  expect(new Set(names).size).toBe(20);
  const all = ["ma-1", ...names].sort();
  expect((await s.tmux.sessions()).sort()).toEqual(all);
  const worktrees = (await git(s.repo, "worktree", "list", "--porcelain")).split("\n").filter((l) => l.startsWith("worktree ") && l.includes(s.worktreeDir));
  expect(worktrees).toHaveLength(21);
  expect(new Set(worktrees).size).toBe(21);
  const listed = JSON.parse((await s.ao(["session", "ls", "--json"])).stdout);
  expect(listed.map((x: { name: string }) => x.name).sort()).toEqual(all);
  expect(new Set(listed.map((x: { branch: string }) => x.branch)).size).toBe(21);
  expect(readdirSync(s.sessionsDir).filter((f) => f.endsWith(".lock") || f.endsWith(".tmp"))).toEqual([]);
  expect(readdirSync(s.dataDir).filter((f) => f.endsWith(".lock"))).toEqual([]);
  await waitFor(() => s.received("ma-1").filter((e) => e.kind === "message").length === 6, "all six messages", 20_000);
});

it("500 records: ls is complete and in natural order", async () => {
  mkdirSync(s.sessionsDir, { recursive: true });
  const now = new Date().toISOString();
  for (let i = 1; i <= 500; i++) {
    const name = `ma-${i}`;
    writeFileSync(join(s.sessionsDir, `${name}.json`), JSON.stringify({ schemaVersion: 1, name, project: "my-app", issue: null, title: null, branch: `ao/${name}`, baseRef: "origin/main", agent: "demo", workspacePath: join(s.worktreeDir, `my-app-${i}`), tmuxSession: name, status: i % 5 === 0 ? "killed" : "working", prUrl: null, createdAt: now, updatedAt: now, lastActivityAt: now }));
  }
  const json = JSON.parse((await s.ao(["session", "ls", "--json"])).stdout);
  expect(json).toHaveLength(400);
  expect(json.slice(0, 5).map((x: { name: string }) => x.name)).toEqual(["ma-1", "ma-2", "ma-3", "ma-4", "ma-6"]);
  expect(json.every((x: { status: string }) => x.status === "dead")).toBe(true);
  expect(JSON.parse((await s.ao(["session", "ls", "--all", "--json"])).stdout)).toHaveLength(500);
  const text = (await s.ao(["session", "ls"])).stdout.trim().split("\n");
  expect(text[0]).toBe("my-app:");
  expect(text).toHaveLength(401);
  expect(text.at(-1)).toMatch(/^ {2}ma-499 {2}\(\d+s\) {2}ao\/ma-499 {2}\[dead\]$/);
});
