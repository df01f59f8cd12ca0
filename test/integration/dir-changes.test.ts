/**
 * DirChanges: the dash's "nothing in this directory changed" token, from the
 * kernel's file notifications (real inotify on a temp directory), and what the
 * store, the watch feed and the HEAD cache make of it.
 */
import { appendFileSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DirChanges } from "../../src/adapters/dir-changes.js";
import { HeadCache } from "../../src/adapters/git.js";
import { Store } from "../../src/adapters/store.js";
import { WatchFeed } from "../../src/core/watch-feed.js";
import { sessionRecord as record } from "../helpers/record.js";
import { settle, tempDirEach } from "../helpers/temp-dir.js";

let dir: string;
const open = tempDirEach("ao-dirchanges-", (d) => (dir = d));

/** A sweep longer than any test: only the notifications change a token (a 10-s sweep ending mid-test would too). */
const ONE_SWEEP = Number.MAX_SAFE_INTEGER;

function changes(opts: ConstructorParameters<typeof DirChanges>[0] = {}): DirChanges {
  const c = new DirChanges(opts);
  open.push(c);
  return c;
}

describe("DirChanges", () => {
  it("keeps a token while nothing changes, and changes it for a file created, renamed in, appended to or removed", async () => {
    const c = changes({ sweepMs: ONE_SWEEP });
    const t0 = c.token(dir);
    expect(t0).toBeDefined();
    await settle();
    expect(c.token(dir)).toBe(t0);
    const seen = new Set([t0]);
    const changed = async (what: () => void) => {
      what();
      await settle();
      const t = c.token(dir);
      expect(seen.has(t)).toBe(false);
      seen.add(t);
      await settle();
      expect(c.token(dir)).toBe(t); // and stays while nothing more happens
    };
    await changed(() => writeFileSync(join(dir, "a.json"), "{}"));
    await changed(() => {
      writeFileSync(join(dir, "tmp"), "{}");
      renameSync(join(dir, "tmp"), join(dir, "a.json"));
    });
    await changed(() => appendFileSync(join(dir, "a.json"), " "));
    await changed(() => rmSync(join(dir, "a.json")));
  });

  it("ignores the files that do not matter", async () => {
    const c = changes({ sweepMs: ONE_SWEEP });
    const t0 = c.token(dir, (f) => f.endsWith(".json"));
    appendFileSync(join(dir, "ma-1.log"), "agent output\n");
    await settle();
    expect(c.token(dir)).toBe(t0);
    writeFileSync(join(dir, "ma-1.json"), "{}");
    await settle();
    expect(c.token(dir)).not.toBe(t0);
  });

  it("changes every sweep even without an event (a notification that never comes delays, never hides)", () => {
    let now = 0;
    const c = changes({ sweepMs: 10_000, now: () => now });
    const t0 = c.token(dir);
    now = 9_999;
    expect(c.token(dir)).toBe(t0);
    now = 10_000;
    expect(c.token(dir)).not.toBe(t0);
  });

  it("keeps a generation only while every token it gave would be given again", async () => {
    let now = 0;
    const c = changes({ sweepMs: 10_000, now: () => now });
    const sub = join(dir, "sub");
    mkdirSync(sub);
    c.token(dir);
    c.token(sub);
    const g0 = c.generation();
    expect(g0).toBeDefined();
    await settle();
    expect(c.generation()).toBe(g0);
    writeFileSync(join(sub, "HEAD"), "ref: refs/heads/x\n"); // in any directory watched
    await settle();
    const g1 = c.generation();
    expect(g1).not.toBe(g0);
    now = 10_000; // a new sweep
    expect(c.generation()).not.toBe(g1);
    c.token(dir);
    const g2 = c.generation();
    // A directory asked about without a token (gone, or never watchable) leaves nothing to vouch for, until the next sweep.
    expect(c.token(join(dir, "missing"))).toBeUndefined();
    expect(c.generation()).toBeUndefined();
    now = 20_000; // a new sweep: a reader reads again, and the blind paths are those it finds then
    const g3 = c.generation();
    expect(g3).toBeDefined();
    expect(g3).not.toBe(g2);
    c.token(dir);
    expect(c.generation()).toBe(g3);
    c.unwatched(join(dir, "w")); // a read with no directory to watch (HeadCache without a recorded git dir)
    expect(c.generation()).toBeUndefined();
  });

  it("gives no token (the reader looks at every file) where notifications cannot be had, as with a full inotify table", async () => {
    const full = () => {
      throw Object.assign(new Error("ENOSPC: System limit for number of file watchers reached"), { code: "ENOSPC" });
    };
    const c = changes({ watch: full as never });
    expect(c.token(dir)).toBeUndefined();
    expect(c.token(dir)).toBeUndefined();
  });

  it("has no token for a directory that is gone, a link or a file, and a new one for a directory put back", async () => {
    const sub = join(dir, "sessions");
    mkdirSync(sub);
    const c = changes();
    const t0 = c.token(sub);
    expect(t0).toBeDefined();
    rmSync(sub, { recursive: true });
    await settle();
    expect(c.token(sub)).toBeUndefined();
    mkdirSync(sub);
    const t1 = c.token(sub);
    expect(t1).toBeDefined();
    expect(t1).not.toBe(t0);
    // Replaced by another directory renamed over it: the watched one is gone, so is its token.
    mkdirSync(join(dir, "other"));
    writeFileSync(join(dir, "other", "planted.json"), "{}");
    rmSync(sub, { recursive: true });
    renameSync(join(dir, "other"), sub);
    await settle();
    const t2 = c.token(sub);
    expect(t2).toBeDefined();
    expect([t0, t1]).not.toContain(t2);
    rmSync(sub, { recursive: true });
    symlinkSync(dir, sub);
    await settle();
    expect(c.token(sub)).toBeUndefined();
    rmSync(sub);
    writeFileSync(sub, "");
    expect(c.token(sub)).toBeUndefined();
  });
});


describe("the dash's readers with DirChanges", () => {
  it("a store that caches lists what an uncached one lists once the change is notified, and its own writes at once", async () => {
    const writer = new Store(dir); // another process, as far as the cached store can tell
    writer.write(record());
    const cached = new Store(dir);
    cached.cacheRecords(true);
    open.push({ close: () => cached.cacheRecords(false) });
    const same = async () => {
      await settle();
      expect(cached.list()).toEqual(new Store(dir).list());
    };
    await same();
    writer.write(record({ name: "ma-2", tmuxSession: "ma-2" }));
    await same();
    writer.write(record({ title: "changed" }));
    await same();
    writeFileSync(join(dir, "projects", "my-app", "sessions", "ma-2.json"), "{ not json"); // written in place
    await same();
    rmSync(join(dir, "projects", "my-app", "sessions", "ma-2.json"));
    await same();
    // Its own write shows without waiting for the notification.
    cached.write(record({ title: "mine" }));
    expect(cached.list().records.map((r) => r.title)).toEqual(["mine"]);
    // A transcript growing is no change: the listing is the one before, however often it is asked.
    const before = cached.list();
    appendFileSync(join(dir, "projects", "my-app", "sessions", "ma-1.log"), "output\n");
    await settle();
    expect(cached.list().records[0]).toBe(before.records[0]);
  });

  it("the watch feed sees a note appended to any session's events", async () => {
    const store = new Store(dir);
    store.cacheRecords(true);
    open.push({ close: () => store.cacheRecords(false) });
    for (const name of ["ma-1", "ma-2"]) store.write(record({ name, tmuxSession: name }));
    const feed = new WatchFeed(store);
    const sessions = store.list().records;
    expect(feed.newest(sessions)).toBeUndefined();
    await settle();
    expect(feed.newest(sessions)).toBeUndefined();
    // Appended by `ao watch`, another process.
    appendFileSync(join(dir, "projects", "my-app", "sessions", "ma-2.events.jsonl"), `${JSON.stringify({ at: "2026-01-01T12:00:00.000Z", type: "watch_reaction", text: "CI failed" })}\n`);
    await settle();
    expect(feed.newest(sessions)).toMatchObject({ session: "ma-2", text: "CI failed" });
  });

  it("the HEAD cache sees a branch switched in a recorded git dir", async () => {
    const gitDir = join(dir, "repo", ".git", "worktrees", "w");
    mkdirSync(gitDir, { recursive: true });
    mkdirSync(join(dir, "w"));
    writeFileSync(join(gitDir, "HEAD"), "ref: refs/heads/ao/ma-1\n");
    const heads = new HeadCache();
    open.push(heads);
    expect(heads.read(join(dir, "w"), gitDir)).toBe("ao/ma-1");
    await settle();
    expect(heads.read(join(dir, "w"), gitDir)).toBe("ao/ma-1");
    // As git does it: a lock file renamed over HEAD.
    writeFileSync(join(gitDir, "HEAD.lock"), "ref: refs/heads/ao/ma-9\n"); // same length: only the notification or the inode tells
    renameSync(join(gitDir, "HEAD.lock"), join(gitDir, "HEAD"));
    await settle();
    expect(heads.read(join(dir, "w"), gitDir)).toBe("ao/ma-9");
    appendFileSync(join(gitDir, "index"), "x"); // an agent's git status: not HEAD
    await settle();
    expect(heads.read(join(dir, "w"), gitDir)).toBe("ao/ma-9");
    // Its generation vouches for reads through a recorded git dir only: a worktree read without one is stat'ed each time.
    expect(heads.generation()).toBeDefined();
    writeFileSync(join(dir, "w", ".git"), `gitdir: ${gitDir}\n`);
    expect(heads.read(join(dir, "w"))).toBe("ao/ma-9");
    expect(heads.generation()).toBeUndefined();
    // Also when nothing else was read before: records from before the git dir was recorded, all of them.
    const old = new HeadCache();
    open.push(old);
    expect(old.read(join(dir, "w"))).toBe("ao/ma-9");
    expect(old.generation()).toBeUndefined();
  });
});
