/**
 * Lock files created with O_EXCL that hold the owner's pid. A lock whose owner is
 * dead is taken over. Waiting polls with timers, so the event loop stays free.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";

export type Acquired = { ok: true } | { ok: false; holder: number | undefined };

export function tryLock(path: string): Acquired {
  for (;;) {
    try {
      const fd = openSync(path, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { ok: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(readOr(path, "")) || undefined;
      if (holder !== undefined && !pidAlive(holder)) {
        unlinkQuiet(path); // its owner is gone: take it over
        continue;
      }
      return { ok: false, holder };
    }
  }
}

export async function waitForLock(path: string, timeoutMs: number): Promise<Acquired> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = tryLock(path);
    if (got.ok || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function unlock(path: string): void {
  unlinkQuiet(path);
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback; // the holder just released it
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
