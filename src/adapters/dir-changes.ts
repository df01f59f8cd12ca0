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
 * - A directory is stat'ed again after any event in it and once per sweep: one
 *   replaced (another inode or birth time) is watched anew, one gone, not a
 *   directory or not even looked at (EACCES, ENOTDIR: a stray file in
 *   projects/) has no token (read it all, as without notifications).
 * - An event about the directory itself (removed, renamed, replaced) ends its
 *   watch: the next token watches what is there now. Where the file system
 *   keeps no birth time, a directory made again has the id of the one removed
 *   (ext4 gives the inode number back at once), and its old watch, gone with
 *   the old directory, would never report anything again.
 * - A token is never given twice: its counter runs across every directory of
 *   this instance, so a directory watched anew cannot repeat an old token and
 *   bring back a listing made from the directory that was there before.
 * - A watch that failed (a full inotify table) is tried again each sweep; a
 *   directory not asked about for a whole sweep (a session ended, a project
 *   moved away) is no longer watched.
 */
import { lstatSync, watch, type FSWatcher } from "node:fs";
import { basename } from "node:path";

interface Watched {
  id: string;
  watcher?: FSWatcher;
  gen: number;
  /** Something happened in it since its stat was last checked (it may be gone or replaced). */
  dirty: boolean;
  /** An event about the directory itself: its watch may have gone with it. */
  moved: boolean;
  /** The sweep in which it was last asked about. */
  epoch: number;
}

export class DirChanges {
  private readonly dirs = new Map<string, Watched>();
  /** Gives every change of every directory its own number: no token is ever given twice. */
  private seq = 0;
  /** The sweep in which directories no longer asked about were last let go. */
  private pruned?: number;
  /** Asked about in this sweep and given no token (not watched): generation() cannot vouch for them. */
  private readonly blind = new Set<string>();

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
    const epoch = this.sweep();
    let w = this.dirs.get(dir);
    if (!w || w.dirty || w.epoch !== epoch) {
      let st;
      try {
        st = lstatSync(dir, { throwIfNoEntry: false });
      } catch {
        st = undefined; // EACCES, ENOTDIR, ELOOP...: nothing to watch; the reader finds what it finds
      }
      const id = st?.isDirectory() ? `${st.ino}:${st.birthtimeMs}` : undefined;
      // Replaced, or its watch may be gone (moved), or a watch failed that may be had now (a new sweep).
      if (w && (w.id !== id || w.moved || !w.watcher)) {
        this.drop(dir);
        w = undefined;
      }
      if (id === undefined) return this.unwatched(dir);
      if (!w) {
        const entry: Watched = { id, gen: ++this.seq, dirty: false, moved: false, epoch };
        try {
          const self = basename(dir);
          // Only the files that matter count (a transcript appended every second does not), and the directory itself.
          entry.watcher = this.watch(dir, { persistent: false }, (_event, file) => {
            if (file !== null && file !== self && !matters(file)) return;
            entry.gen = ++this.seq;
            entry.dirty = true;
            if (file === null || file === self) entry.moved = true;
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
    if (!w.watcher) return this.unwatched(dir);
    this.blind.delete(dir);
    return `${w.id}:${w.gen}:${epoch}`;
  }

  /**
   * A value that stays the same only while every token given in this sweep would be given again: no
   * event in any watched directory, no new watch, the same sweep, and no directory asked about in it
   * without a token. undefined: it cannot say (a directory is not watched). For a reader that skips
   * asking about each directory when nothing at all changed (Orchestrator.list, through HeadCache).
   */
  generation(): string | undefined {
    const epoch = Math.floor(this.now() / this.sweepMs);
    // Blind paths count in the sweep they were read in; a new sweep's reads find what is blind then.
    return this.blind.size > 0 && epoch === this.pruned ? undefined : `${this.seq}:${epoch}`;
  }

  /** A path read without a token in this sweep (HeadCache: a worktree whose git dir ao did not record). */
  unwatched(path: string): undefined {
    this.sweep();
    this.blind.add(path);
    return undefined;
  }

  /** The current sweep; the first call in a new one lets go of what the last one no longer asked about. */
  private sweep(): number {
    const epoch = Math.floor(this.now() / this.sweepMs);
    if (epoch !== this.pruned) this.prune(epoch);
    return epoch;
  }

  close(): void {
    for (const dir of [...this.dirs.keys()]) this.drop(dir);
  }

  /** Lets go of the directories not asked about in the last sweep. */
  private prune(epoch: number): void {
    this.pruned = epoch;
    this.blind.clear();
    for (const [dir, w] of this.dirs) if (w.epoch < epoch - 1) this.drop(dir);
  }

  private drop(dir: string): void {
    this.dirs.get(dir)?.watcher?.close();
    this.dirs.delete(dir);
  }
}
