/**
 * On a file system without birth times (statx gives none: ext4 with
 * 128-byte inodes, ext2/3, some network and FUSE file systems), a directory
 * removed and made again gets the same inode number (ext4 reuses it at once)
 * and so the same DirChanges id. Birth times are taken away here as such a file
 * system does, and a directory made again at a path is given the inode number
 * of the one removed there, as ext4 does nearly always (here always, so that
 * the test does not depend on what else the machine allocates meanwhile).
 * inotify and the files are real. Seen for real on a loop-mounted
 * `mkfs.ext4 -I 128` as well (ids "12:0" before and after).
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { sessionRecord as record } from "../helpers/record.js";
import { settle, tempDirEach } from "../helpers/temp-dir.js";

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const noBirth = <T extends ((...a: never[]) => unknown)>(f: T) =>
    ((...a: Parameters<T>) => {
      const st = f(...a) as import("node:fs").Stats | undefined;
      if (st) Object.defineProperty(st, "birthtimeMs", { value: 0 });
      if (st?.isDirectory() && String(a[0]).endsWith("/sessions")) Object.defineProperty(st, "ino", { value: 4242 });
      return st;
    }) as unknown as T;
  const lstatSync = noBirth(fs.lstatSync);
  return { ...fs, default: { ...fs, lstatSync }, lstatSync };
});

const { Store } = await import("../../src/adapters/store.js");
const { DirChanges } = await import("../../src/adapters/dir-changes.js");

let dir: string;
const open = tempDirEach("ao-dirchanges-nobtime-", (d) => (dir = d));


describe("a sessions directory removed and made again with the same inode (no birth time)", () => {
  it("shows the new session at once, never the deleted one", async () => {
    let now = 1_000; // one 10 s sweep period throughout
    const sessions = join(dir, "projects", "my-app", "sessions");
    const writer = new Store(dir); // another process
    writer.write(record());
    // The store's DirChanges takes Date.now when made: pinned first, so that the test does not straddle a sweep.
    vi.spyOn(Date, "now").mockImplementation(() => now);
    const cached = new Store(dir);
    cached.cacheRecords(true);
    open.push({ close: () => cached.cacheRecords(false) }, { close: () => vi.restoreAllMocks() });
    const names = () => cached.list().records.map((r) => r.name);
    expect(names()).toEqual(["ma-1"]);
    rmSync(sessions, { recursive: true }); // the user wipes the project's sessions...
    await settle();
    expect(names()).toEqual([]);
    writer.write(record({ name: "ma-2", tmuxSession: "ma-2" })); // ...and spawns again
    await settle();
    now += 1_000; // the next refresh
    expect(new Store(dir).list().records.map((r) => r.name)).toEqual(["ma-2"]);
    expect(names()).toEqual(["ma-2"]); // before the fix: ["ma-1"], the deleted one, until the sweep
  });

  it("after the directory was replaced between two refreshes, its changes are still notified (not only every 10 s)", async () => {
    let now = 1_000;
    const sessions = join(dir, "projects", "my-app", "sessions");
    const writer = new Store(dir);
    writer.write(record());
    const c = new DirChanges({ now: () => now });
    open.push(c);
    const t0 = c.token(sessions);
    expect(t0).toBeDefined();
    // Replaced between two refreshes: removed and made again (same inode number, no birth time).
    rmSync(sessions, { recursive: true });
    writer.write(record({ name: "ma-2", tmuxSession: "ma-2" }));
    await settle();
    const t1 = c.token(sessions);
    expect(t1).not.toBe(t0);
    await settle();
    expect(c.token(sessions)).toBe(t1);
    // A session spawned in the new directory: notified?
    writer.write(record({ name: "ma-3", tmuxSession: "ma-3" }));
    await settle();
    expect(c.token(sessions)).not.toBe(t1); // before the fix the old watch, gone with the old directory, told nothing: each change waited for the sweep
  });
});
