import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/** A turn of the event loop: file notifications of changes made before it have arrived after it. */
export const settle = () => new Promise((r) => setTimeout(r, 20));

/**
 * A fresh temp directory for each test (given to `set`), removed after it, and a
 * list of things to close after each test (watchers, caches), closed first.
 */
export function tempDirEach(prefix: string, set: (dir: string) => void): { close(): void }[] {
  const open: { close(): void }[] = [];
  let dir = "";
  beforeEach(() => set((dir = mkdtempSync(join(tmpdir(), prefix)))));
  afterEach(() => {
    for (const o of open.splice(0)) o.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return open;
}
