/**
 * ao SIGKILLed at each step of kill, cleanup, pause, resume and spawn: running the
 * same command again, or `ao doctor --fix`, finishes what was under way, no file
 * is lost, and every ref under refs/ao/saved is named by a session record.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { record, recoverable, savedRefs, unnamedRefs } from "../helpers/saved.js";
import { baseConfig, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox({ config: (p) => baseConfig(p, "cleanup:\n  runtimeDeadAfter: 0\n") });
const wt = () => join(s.worktreeDir, "my-app-1");
const WORK: Record<string, string> = { "README.md": "# changed\n", "notes/new.txt": "untracked\n" };

async function spawnDirty(): Promise<void> {
  expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
  mkdirSync(join(wt(), "notes"), { recursive: true });
  for (const [f, text] of Object.entries(WORK)) writeFileSync(join(wt(), f), text);
}

async function nothingLost(): Promise<void> {
  for (const [f, text] of Object.entries(WORK)) expect(await recoverable(s, wt(), f, text), f).toBe(true);
  expect(await unnamedRefs(s)).toEqual([]);
  expect(record(s, "ma-1").pending).toBeUndefined();
}

async function crash(args: string[], point: string): Promise<void> {
  const r = await s.ao(args, { env: { AO_CRASH_AT: point } });
  expect(r.code, `${point}: ${r.stdout}${r.stderr}`).not.toBe(0);
  expect(r.stdout).toBe("");
}

const ENDING_POINTS = ["intent", "stopped", "saved", "removed"];

describe.each([
  ["kill", ["session", "kill", "ma-1", "--force"], "killed"],
  ["cleanup", ["session", "cleanup"], "exited"],
])("%s SIGKILLed", (op, args, status) => {
  it.each(ENDING_POINTS)(`at ${op}:%s: running it again finishes it`, async (point) => {
    await spawnDirty();
    if (op === "cleanup") await s.tmux.tmux("kill-session", "-t", "=ma-1");
    await crash(args, `${op}:${point}`);
    await nothingLost().catch(() => undefined); // mid-way: checked below, once finished
    expect(await unnamedRefs(s)).toEqual([]);
    const again = await s.ao(args);
    expect(again.code, again.stderr).toBe(0);
    expect(record(s, "ma-1").status).toBe(status);
    expect(existsSync(wt())).toBe(false);
    await nothingLost();
  });

  it(`at ${op}:saved: doctor names the ref and --fix finishes the ${op}`, async () => {
    await spawnDirty();
    if (op === "cleanup") await s.tmux.tmux("kill-session", "-t", "=ma-1");
    await crash(args, `${op}:saved`);
    const [ref] = await savedRefs(s);
    const doc = await s.ao(["doctor"]);
    expect(doc.code).toBe(1);
    expect(doc.stdout).toContain(ref);
    expect(doc.stdout).toContain(`ma-1`);
    const fix = await s.ao(["doctor", "--fix"]);
    expect(fix.stdout).toMatch(/^fixed .*ma-1/m);
    expect(record(s, "ma-1").status).toBe(status);
    expect(record(s, "ma-1").savedRefs).toEqual([ref]);
    expect(existsSync(wt())).toBe(false);
    await nothingLost();
  });
});

describe("pause SIGKILLed", () => {
  it.each(ENDING_POINTS)("--release-worktree at pause:%s: pausing again finishes it, and resume brings the work back", async (point) => {
    await spawnDirty();
    await crash(["session", "pause", "ma-1", "--release-worktree"], `pause:${point}`);
    expect(await unnamedRefs(s)).toEqual([]);
    const again = await s.ao(["session", "pause", "ma-1", "--release-worktree"]);
    expect(again.code, again.stderr).toBe(0);
    expect(record(s, "ma-1").status).toBe("paused");
    expect(existsSync(wt())).toBe(false);
    await nothingLost();
    const r = await s.ao(["session", "resume", "ma-1"]);
    expect(r.code, r.stderr).toBe(0);
    await nothingLost();
  });

  it("--release-worktree at pause:removed: doctor --fix keeps it a pause, and it resumes", async () => {
    await spawnDirty();
    await crash(["session", "pause", "ma-1", "--release-worktree"], "pause:removed");
    const [ref] = await savedRefs(s);
    const doc = await s.ao(["doctor"]);
    expect(doc.stdout).toContain(ref);
    await s.ao(["doctor", "--fix"]);
    expect(record(s, "ma-1").status).toBe("paused");
    expect(record(s, "ma-1").released).toEqual({ savedRef: ref });
    const r = await s.ao(["session", "resume", "ma-1"]);
    expect(r.code, r.stderr).toBe(0);
    for (const [f, text] of Object.entries(WORK)) expect(await recoverable(s, wt(), f, text)).toBe(true);
  });

  it("without --release-worktree at pause:stopped: pausing again finishes it", async () => {
    await spawnDirty();
    await crash(["session", "pause", "ma-1"], "pause:stopped");
    expect((await s.ao(["session", "pause", "ma-1"])).code).toBe(0);
    expect(record(s, "ma-1").status).toBe("paused");
    await nothingLost();
  });
});

describe("resume of a released session SIGKILLed", () => {
  it.each(["intent", "worktree", "applied", "agent"])("at resume:%s: resuming again finishes it, the work back in the worktree", async (point) => {
    await spawnDirty();
    expect((await s.ao(["session", "pause", "ma-1", "--release-worktree"])).code).toBe(0);
    await crash(["session", "resume", "ma-1"], `resume:${point}`);
    const again = await s.ao(["session", "resume", "ma-1"]);
    expect(again.code, again.stderr).toBe(0);
    expect(record(s, "ma-1").status).toBe("working");
    for (const [f, text] of Object.entries(WORK)) expect(await recoverable(s, wt(), f, text)).toBe(true);
    expect(await git(wt(), "status", "--porcelain", "-uall")).toBe(" M README.md\n?? notes/new.txt\n");
    expect(await unnamedRefs(s)).toEqual([]);
    expect((await s.ao(["doctor"])).stdout).not.toContain("ma-1");
  });
});

describe("spawn SIGKILLed", () => {
  it.each(["reserved", "worktree", "linked", "tmux", "prompt"])("at %s: doctor --fix ends it with its files saved", async (point) => {
    await crash(["spawn", "my-app"], point);
    if (existsSync(wt())) writeFileSync(join(wt(), "half.txt"), "made before the crash\n");
    await s.ao(["doctor", "--fix"]);
    expect(record(s, "ma-1").status).toBe("killed");
    expect(existsSync(wt())).toBe(false);
    if (point !== "reserved") expect(await recoverable(s, wt(), "half.txt", "made before the crash\n")).toBe(true);
    expect(await unnamedRefs(s)).toEqual([]);
  });
});

describe("restore after an interrupted kill", () => {
  it("keeps the session, and the ref the kill saved stays named", async () => {
    await spawnDirty();
    await crash(["session", "kill", "ma-1", "--force"], "kill:saved");
    const [ref] = await savedRefs(s);
    const r = await s.ao(["session", "restore", "ma-1"]);
    expect(r.code, r.stderr).toBe(0);
    expect(record(s, "ma-1").pending).toBeUndefined();
    expect(record(s, "ma-1").savedRefs).toEqual([ref]);
    expect((await s.ao(["doctor"])).stdout).not.toContain("interrupted");
    await nothingLost();
  });
});

describe("temporary files of a save", () => {
  it("live under dataDir, and stale ones left by a crash are removed", async () => {
    const tmp = join(s.root, "tmp");
    mkdirSync(tmp);
    await spawnDirty();
    const stale = join(s.dataDir, "tmp", "ao-save-999999-abcdef");
    mkdirSync(stale, { recursive: true });
    writeFileSync(join(stale, "index"), "left by a SIGKILL");
    const r = await s.ao(["session", "kill", "ma-1", "--force"], { env: { TMPDIR: tmp } });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.startsWith("ao-save-"))).toEqual([]);
    expect(readdirSync(join(s.dataDir, "tmp"))).toEqual([]);
  });
});

describe("doctor", () => {
  it("names every saved ref that no record names", async () => {
    await spawnDirty();
    expect((await s.ao(["session", "kill", "ma-1", "--force"])).code).toBe(0);
    await git(s.repo, "update-ref", "refs/ao/saved/my-app/ma-1/99", "HEAD");
    await git(s.repo, "update-ref", "refs/ao/saved/stray", "HEAD");
    const doc = await s.ao(["doctor"]);
    expect(doc.code).toBe(1);
    expect(doc.stdout).toContain("refs/ao/saved/my-app/ma-1/99");
    expect(doc.stdout).toContain("refs/ao/saved/stray");
    expect(doc.stdout).not.toContain(record(s, "ma-1").savedRefs[0]);
    // --fix gives a ref to the session its name says it belongs to; the stray stays reported.
    await s.ao(["doctor", "--fix"]);
    expect(record(s, "ma-1").savedRefs).toContain("refs/ao/saved/my-app/ma-1/99");
    expect(await unnamedRefs(s)).toEqual(["refs/ao/saved/stray"]);
  });
});
