/**
 * Lock files that name their owner: its pid, the process's start time (field 22
 * of /proc/<pid>/stat) and the boot id. A pid alone is not an identity: after a
 * reboot, or once pids wrap, a live but unrelated process can have it, and its
 * lock would block forever. A lock whose owner is gone is taken over, atomically
 * (see takeOver). Waiting polls with timers, so the event loop stays free.
 *
 * Not flock(2): Node has no binding for it, and the npm packages that add one
 * are native addons that must be compiled at install time. Links, renames and
 * O_EXCL give the same guarantees here without that.
 */
import { closeSync, constants, fstatSync, linkSync, openSync, readFileSync, readSync, unlinkSync, writeSync } from "node:fs";
import { AoError } from "../core/errors.js";
import { fnv1a64 } from "../core/hash.js";

export type Acquired = { ok: true } | { ok: false; holder: number | undefined };

export interface Owner {
  pid: number;
  /** Clock ticks after boot at which the process started; absent in locks of older ao versions. */
  start?: string;
  bootId?: string;
}

/** How long a lock file without a readable owner may be someone's in the middle of writing it (older ao versions). */
const UNREADABLE_GRACE_MS = 2_000;
/** Takeovers of takeovers: only a process that died inside a takeover makes another level. */
const MAX_DEPTH = 4;

export function tryLock(path: string): Acquired {
  return acquire(path, 0);
}

export async function waitForLock(path: string, timeoutMs: number): Promise<Acquired> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = tryLock(path);
    if (got.ok || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Releases a lock this process holds (and only then: a lock that is no longer ours is left alone). */
export function unlock(path: string): void {
  const seen = readLock(path);
  if (seen && seen.text === ownText()) unlinkQuiet(path);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The owner a lock file names, and whether that process still exists (the same one, not a reused pid). */
export function lockOwner(path: string): { owner: Owner | undefined; alive: boolean } | undefined {
  const seen = readLock(path);
  if (!seen) return undefined;
  return { owner: seen.owner, alive: seen.owner ? ownerAlive(seen.owner, seen.mtimeMs) : Date.now() - seen.mtimeMs < UNREADABLE_GRACE_MS };
}

export function ownerAlive(owner: Owner, lockMtimeMs: number): boolean {
  if (!pidAlive(owner.pid)) return false;
  const boot = bootId();
  if (owner.bootId && boot && owner.bootId !== boot) return false; // written before this boot
  if (owner.start) {
    const start = processStart(owner.pid);
    return start === undefined || start === owner.start;
  }
  // An older ao's lock names a pid only: it is stale if it was written before this boot.
  const booted = bootTimeMs();
  return booted === undefined || lockMtimeMs >= booted;
}

/**
 * For `doctor --fix`: removes a lock whose owner is gone, under the same guard
 * as a takeover, so a lock re-made meanwhile is never removed. A symlink where a
 * lock belongs is removed too (unlinking a link never touches its target).
 */
export function clearStaleLock(path: string): void {
  let seen: Seen | undefined;
  try {
    seen = readLock(path);
  } catch {
    unlinkQuiet(path); // a link or no regular file: nobody's lock
    return;
  }
  if (!seen || (seen.owner ? ownerAlive(seen.owner, seen.mtimeMs) : Date.now() - seen.mtimeMs < UNREADABLE_GRACE_MS)) return;
  const guard = `${path}.${fnv1a64(seen.text).slice(0, 12)}.takeover`;
  if (!acquire(guard, 1).ok) return;
  try {
    const now = readLock(path);
    if (now && now.text === seen.text && now.ino === seen.ino) unlinkQuiet(path);
  } finally {
    unlinkQuiet(guard);
  }
}

function acquire(path: string, depth: number): Acquired {
  let holder: number | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (create(path)) return { ok: true };
    const seen = readLock(path);
    if (!seen) continue; // released meanwhile
    holder = seen.owner?.pid;
    const alive = seen.owner ? ownerAlive(seen.owner, seen.mtimeMs) : Date.now() - seen.mtimeMs < UNREADABLE_GRACE_MS;
    if (alive || depth >= MAX_DEPTH) return { ok: false, holder };
    const taken = takeOver(path, seen, depth);
    if (taken !== undefined) return taken;
  }
  return { ok: false, holder };
}

/**
 * Replaces a stale lock. Reading "dead owner", unlinking and creating are three
 * steps, and two processes interleaving them would both get in (one unlinks the
 * fresh lock the other just made). So the steps run under a second lock named
 * after exactly the stale content: only one process at a time may remove that
 * stale lock, and it re-reads the lock under it, so a lock that changed meanwhile
 * (taken over, released, re-made) is never removed. Undefined: try again.
 */
function takeOver(path: string, stale: Seen, depth: number): Acquired | undefined {
  const guard = `${path}.${fnv1a64(stale.text).slice(0, 12)}.takeover`;
  const got = acquire(guard, depth + 1);
  if (!got.ok) return { ok: false, holder: stale.owner?.pid }; // someone else is taking it over
  try {
    const now = readLock(path);
    if (now && now.text === stale.text && now.ino === stale.ino) unlinkQuiet(path);
    return create(path) ? { ok: true } : undefined;
  } finally {
    unlinkQuiet(guard);
  }
}

/**
 * Creates the lock with its whole content at once: a temp file hard-linked to
 * the lock's name, which fails if anything (a lock, a symlink) is there. A
 * reader never sees a half-written owner.
 */
function create(path: string): boolean {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, ownText());
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    unlinkQuiet(tmp);
  }
}

interface Seen {
  text: string;
  owner: Owner | undefined;
  ino: number;
  mtimeMs: number;
}

/** The lock's content, never through a symlink; undefined when there is no lock. */
function readLock(path: string): Seen | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw symlinkRefused(path);
    throw err;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new AoError(`Refusing to use ${path}: it is not a regular file`, { hint: "Remove it; ao makes its locks itself." });
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString("utf8");
    return { text, owner: parseOwner(text), ino: stat.ino, mtimeMs: stat.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/** O_NOFOLLOW: a symlink at the last component fails (ELOOP) instead of being followed. */
export function openNoFollow(path: string, flags: number): number {
  try {
    return openSync(path, flags | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw symlinkRefused(path);
    throw err;
  }
}

export function symlinkRefused(path: string): AoError {
  return new AoError(`Refusing to follow the symbolic link ${path}`, { hint: "ao never follows links inside dataDir; remove the link (and check who made it)." });
}

/** "pid start bootId" (this version), or "pid" (older versions). */
export function parseOwner(text: string): Owner | undefined {
  const [pid, start, boot] = text.trim().split(/\s+/);
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return undefined;
  return { pid: n, ...(start && start !== "-" ? { start } : {}), ...(boot && boot !== "-" ? { bootId: boot } : {}) };
}

let own: string | undefined;
function ownText(): string {
  return (own ??= `${process.pid} ${processStart(process.pid) ?? "-"} ${bootId() ?? "-"}\n`);
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised name, which may hold spaces). Undefined off Linux. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined; // gone, or no /proc
  }
}

let boot: string | null | undefined;
function bootId(): string | undefined {
  if (boot === undefined) {
    try {
      boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
    } catch {
      boot = null; // no /proc
    }
  }
  return boot ?? undefined;
}

function bootTimeMs(): number | undefined {
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    return m ? Number(m[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
