/**
 * DirChanges and the dash's cached readers against what a user's disk, another
 * process or an agent can do: paths that cannot even be looked at, directories
 * that go away, a full inotify table. Each case failed before its fix.
 */
import { mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, watch, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { DirChanges } from "../../src/adapters/dir-changes.js";
import { HeadCache } from "../../src/adapters/git.js";
import { Store } from "../../src/adapters/store.js";
import { sessionRecord as record } from "../helpers/record.js";
import { settle, tempDirEach } from "../helpers/temp-dir.js";

let dir: string;
const open = tempDirEach("ao-dirchanges-hostile-", (d) => (dir = d));


function cachedStore(): Store {
  const s = new Store(dir);
  s.cacheRecords(true);
  open.push({ close: () => s.cacheRecords(false) });
  return s;
}

/** inotify watches this process holds (every inotify fd's "inotify wd:" lines). */
function inotifyWatches(): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    let target = "";
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== "anon_inode:inotify") continue;
    n += readFileSync(`/proc/self/fdinfo/${fd}`, "utf8").split("\n").filter((l) => l.startsWith("inotify wd:")).length;
  }
  return n;
}

describe("a path that cannot even be looked at (ENOTDIR, EACCES, ENAMETOOLONG)", () => {
  it("a stray regular file in <dataDir>/projects does not make the cached list() throw (the uncached one does not)", () => {
    new Store(dir).write(record());
    writeFileSync(join(dir, "projects", "notes.txt"), "mine\n"); // or .DS_Store, a README...
    const plain = new Store(dir).list();
    expect(plain.records.map((r) => r.name)).toEqual(["ma-1"]);
    const cached = cachedStore();
    // Throws ENOTDIR: lstat(<dataDir>/projects/notes.txt/sessions). The dash then shows no session at all.
    expect(cached.list()).toEqual(plain);
  });

  it("names() and hasSessions() of the cached store do not throw either", () => {
    new Store(dir).write(record());
    writeFileSync(join(dir, "projects", "stray"), "");
    const cached = cachedStore();
    expect(cached.hasSessions()).toBe(true);
    expect([...cached.names("stray")]).toEqual([]);
  });

  it("DirChanges.token answers undefined (read it all) rather than throwing", () => {
    writeFileSync(join(dir, "file"), "");
    const c = new DirChanges();
    open.push(c);
    expect(c.token(join(dir, "file", "sessions"))).toBeUndefined();
    expect(c.token(join(dir, "x".repeat(300)))).toBeUndefined(); // ENAMETOOLONG
  });
});

describe("watches of directories nobody asks about any more", () => {
  it("DirChanges drops a directory not asked about for a whole sweep", () => {
    let now = 0;
    const c = new DirChanges({ now: () => now });
    open.push(c);
    const before = inotifyWatches();
    const dirs = Array.from({ length: 20 }, (_, i) => join(dir, `d${i}`));
    for (const d of dirs) {
      mkdirSync(d);
      c.token(d);
    }
    expect(inotifyWatches()).toBe(before + 20);
    // Sessions ended, projects moved away: only d0 is still listed, sweep after sweep.
    for (now = 10_000; now <= 40_000; now += 10_000) c.token(dirs[0]!);
    expect(inotifyWatches()).toBe(before + 1);
  });

  it("the dash's store lets go of a project moved out of dataDir", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      const writer = new Store(dir);
      for (let i = 0; i < 10; i++) writer.write(record({ project: `p${i}`, name: `s-${i}`, tmuxSession: `s-${i}` }));
      const before = inotifyWatches();
      const cached = cachedStore();
      expect(cached.list().records).toHaveLength(10);
      expect(inotifyWatches()).toBe(before + 10);
      mkdirSync(join(dir, "archive"));
      for (let i = 1; i < 10; i++) renameSync(join(dir, "projects", `p${i}`), join(dir, "archive", `p${i}`));
      for (let t = 0; t < 5; t++) {
        vi.setSystemTime(Date.now() + 10_000);
        await new Promise((r) => setImmediate(r));
        expect(cached.list().records).toHaveLength(1);
      }
      expect(inotifyWatches()).toBe(before + 1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("a watch that failed once (a full inotify table)", () => {
  it("is tried again at the next sweep", () => {
    let now = 0;
    let full = true;
    const realWatch = (...args: unknown[]) => {
      if (full) throw Object.assign(new Error("ENOSPC: System limit for number of file watchers reached"), { code: "ENOSPC" });
      return watch(...(args as Parameters<typeof watch>));
    };
    const c = new DirChanges({ now: () => now, watch: realWatch as never });
    open.push(c);
    expect(c.token(dir)).toBeUndefined();
    full = false; // another program gave its watches back
    for (now = 10_000; now <= 30_000; now += 10_000) c.token(dir);
    expect(c.token(dir)).toBeDefined();
  });
});

describe("HeadCache where readHeadBranch answers (older than DirChanges)", () => {
  it("a worktree .git file pointing through a regular file reads as no branch, as readHeadBranch has it", async () => {
    const { readHeadBranch } = await import("../../src/adapters/git.js");
    mkdirSync(join(dir, "w"));
    writeFileSync(join(dir, "file"), "");
    // Written by the agent in its worktree (or an old record without gitDir whose repo changed).
    writeFileSync(join(dir, "w", ".git"), `gitdir: ${join(dir, "file", "worktrees", "w")}\n`);
    expect(readHeadBranch(join(dir, "w"))).toBeUndefined();
    const heads = new HeadCache();
    open.push(heads);
    expect(heads.read(join(dir, "w"))).toBeUndefined(); // throws ENOTDIR: the dash shows "Cannot list sessions" and no session
    expect(heads.read(join(dir, "w"), join(dir, "file", "worktrees", "w"))).toBeUndefined();
  });
});
