/**
 * A dataDir on a read-only or a full filesystem: ao runs in a private mount
 * namespace (unshare -m) where dataDir is a read-only bind mount or a tiny,
 * filled tmpfs. Reading still works; every change fails with a clear error
 * before anything is created, stopped or removed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { git } from "../helpers/git.js";
import { runProc } from "../helpers/proc.js";
import { agentReady, AO_BIN, useSandbox } from "../helpers/sandbox.js";

// Mount namespaces need root or user namespaces; CI and the dev machines have them.
const canUnshare = spawnSync("unshare", ["-m", "true"]).status === 0;

const s = useSandbox({}, async (s) => {
  expect((await s.ao(["spawn", "my-app", "1"])).code).toBe(0);
  await agentReady(s, "ma-1");
});

const READ_ONLY = (d: string) => `mount --bind ${d} ${d} && mount -o remount,bind,ro ${d}`;
// Copy the records onto a 512 KiB tmpfs over dataDir, then fill it.
const FULL = (d: string) =>
  `cp -a ${d} ${d}.copy && mount -t tmpfs -o size=512k tmpfs ${d} && cp -a ${d}.copy/. ${d}/ && (dd if=/dev/zero of=${d}/fill bs=4k 2>/dev/null || true)`;

function aoIn(setup: string, args: string[], input?: string) {
  return runProc("unshare", ["-m", "sh", "-c", `${setup} && exec "$0" "$@"`, process.execPath, AO_BIN, ...args], { env: s.env, cwd: s.root, input });
}

const snapshot = () => {
  const dir = s.sessionsDir;
  return readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), "utf8")]);
};

describe.skipIf(!canUnshare).each([
  ["read-only", READ_ONLY, /read-only file system|EROFS/i],
  ["full", FULL, /no space left|ENOSPC/i],
])("dataDir on a %s filesystem", (_kind, setup, why) => {
  it("ls still lists", async () => {
    const r = await aoIn(setup(s.dataDir), ["session", "ls", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).map((x: { name: string }) => x.name)).toEqual(["ma-1"]);
  });

  it("spawn fails clearly and leaves nothing behind", async () => {
    const before = snapshot();
    const r = await aoIn(setup(s.dataDir), ["spawn", "my-app", "2"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(why);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(s.worktreeDir, "my-app-2"))).toBe(false);
    expect(await s.tmux.sessions()).toEqual(["ma-1"]);
    expect(await git(s.repo, "branch", "--list", "2")).toBe("");
    expect(snapshot()).toEqual(before);
  });

  it("send fails before the agent receives anything", async () => {
    const r = await aoIn(setup(s.dataDir), ["send", "ma-1", "hello"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(why);
    await new Promise((res) => setTimeout(res, 300));
    expect(s.received("ma-1").filter((e) => e.kind === "message")).toEqual([]);
  });

  it("kill fails before it stops the agent or removes the worktree", async () => {
    const before = snapshot();
    const r = await aoIn(setup(s.dataDir), ["session", "kill", "ma-1", "--force"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(why);
    expect(r.stderr.split("\n")[0]).toMatch(new RegExp(`^Failed to kill session ma-1: Cannot write session data in ${s.dataDir}: `));
    expect(r.stderr).toContain("Nothing was changed.");
    expect(existsSync(join(s.worktreeDir, "my-app-1"))).toBe(true);
    expect(await s.tmux.sessions()).toEqual(["ma-1"]);
    expect(snapshot()).toEqual(before);
  });
});
