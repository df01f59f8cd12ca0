/**
 * For a reader that lists the same directories every second (the dash): a
 * token per directory that changes whenever anything in it changes (a file
 * created, renamed in, removed, written or appended to), from the kernel's
 * file notifications (fs.watch: inotify on Linux). While a directory's token is
 * unchanged, what was read from it last time still holds, and nothing in it
 * needs a stat: 200 records and 200 events files cost no system call.
 *
 * Why trusting it is safe:
 * - A token is taken before the directory is read: a change during the read
 *   arrives as an event after it and changes the next token.
 * - Tokens also change every `sweepMs` (10 s): an event that never comes (a
 *   file system without notifications, an overflowed queue) delays what is
 *   shown by at most that long, never for good.
 * - A directory is stat'ed again after any event in it (its own removal or
 *   renaming is one) and once per sweep: one replaced (another inode or birth
 *   time) is watched anew, one gone or not a directory has no token (read it
 *   all). A watcher that fails gives no token from then on.
 */
import { lstatSync, watch, type FSWatcher } from "node:fs";
import { basename } from "node:path";

interface Watched {
  id: string;
  watcher?: FSWatcher;
  gen: number;
  /** Something happened in it since its stat was last checked (it may be gone or replaced). */
  dirty: boolean;
  epoch: number;
}

export class DirChanges {
  private readonly dirs = new Map<string, Watched>();

  private readonly sweepMs: number;
  private readonly now: () => number;
  private readonly watch: typeof watch;

  /** `watch`: fs.watch, or a stand-in (a test's that fails as a full inotify table does). */
  constructor(opts: { sweepMs?: number; now?: () => number; watch?: typeof watch } = {}) {
    this.sweepMs = opts.sweepMs ?? 10_000;
    this.now = opts.now ?? Date.now;
    this.watch = opts.watch ?? watch;
  }

  /**
   * The directory's current token, or undefined: not watched (read everything).
   * A watched directory is stat'ed again only after an event in it (a removal or
   * a rename of it is one) or once per sweep, so an unchanged one costs nothing.
   * `matters` (fixed by the first call for a directory): the file names whose
   * changes change the token.
   */
  token(dir: string, matters: (file: string) => boolean = () => true): string | undefined {
    const epoch = Math.floor(this.now() / this.sweepMs);
    let w = this.dirs.get(dir);
    if (!w || w.dirty || w.epoch !== epoch) {
      const st = lstatSync(dir, { throwIfNoEntry: false });
      const id = st?.isDirectory() ? `${st.ino}:${st.birthtimeMs}` : undefined;
      if (w && w.id !== id) {
        this.drop(dir);
        w = undefined;
      }
      if (id === undefined) return undefined;
      if (!w) {
        const entry: Watched = { id, gen: 0, dirty: false, epoch };
        try {
          const self = basename(dir);
          // Only the files that matter count (a transcript appended every second does not), and the directory itself.
          entry.watcher = this.watch(dir, { persistent: false }, (_event, file) => {
            if (file !== null && file !== self && !matters(file)) return;
            entry.gen++;
            entry.dirty = true;
          });
          entry.watcher.on("error", () => {
            entry.watcher?.close();
            entry.watcher = undefined;
          });
        } catch {
          // No notifications here (too many watches, an odd file system): this directory is read every time.
        }
        this.dirs.set(dir, (w = entry));
      }
      w.dirty = false;
      w.epoch = epoch;
    }
    if (!w.watcher) return undefined;
    return `${w.id}:${w.gen}:${epoch}`;
  }

  close(): void {
    for (const dir of [...this.dirs.keys()]) this.drop(dir);
  }

  private drop(dir: string): void {
    this.dirs.get(dir)?.watcher?.close();
    this.dirs.delete(dir);
  }
}
