/**
 * Session records on disk: `<dataDir>/projects/<project>/sessions/<name>.json`,
 * written atomically (temp file, fsync, rename) with mode 0600, and an append-only
 * `<name>.events.jsonl` beside each. A record that fails to parse is returned as
 * an error with its name, so one bad file never hides the others.
 *
 * Nothing here follows a symbolic link inside dataDir (records, events, locks,
 * observed.json): a link planted there could make ao print, chmod or overwrite a
 * file elsewhere. Files are opened with O_NOFOLLOW and a link is refused, naming
 * its path.
 */
import { closeSync, constants, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { clearStaleLock, lockOwner, openNoFollow, symlinkRefused, tryLock, unlock, waitForLock } from "./lock.js";
import { DirChanges } from "./dir-changes.js";
import { fileStamp, readText } from "./read-text.js";
import { dirname, join } from "node:path";
import { AoError } from "../core/errors.js";
import { SCHEMA_VERSION, withSaneCache, type SessionEvent, type SessionRecord } from "../core/record.js";
import type { ObservedEntry } from "../core/screen.js";

export interface RecordError {
  project: string;
  name: string;
  file: string;
  error: string;
}

/** How long to wait for a session's lock; AO_LOCK_TIMEOUT (ms) shortens it for tests. */
const lockWaitMs = () => Number(process.env.AO_LOCK_TIMEOUT) || 10_000;

export class Store {
  constructor(readonly dataDir: string) {}

  private guard<T>(fn: () => T): T {
    try {
      const out = fn();
      return out instanceof Promise ? (out.catch((err: unknown) => Promise.reject(storeError(err, this.dataDir))) as T) : out;
    } catch (err) {
      throw storeError(err, this.dataDir);
    }
  }

  sessionsDir(project: string): string {
    return join(this.dataDir, "projects", project, "sessions");
  }

  private file(project: string, name: string, ext = ".json"): string {
    return join(this.sessionsDir(project), `${name}${ext}`);
  }

  /** When the record file was last written (Unix ms, from the file system), or undefined when there is none. */
  writtenAt(project: string, name: string): number | undefined {
    try {
      return lstatSync(this.file(project, name)).mtimeMs;
    } catch {
      return undefined;
    }
  }

  ensureDir(project: string): void {
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.sessionsDir(project), { recursive: true, mode: 0o700 });
    this.checkDirs(project);
  }

  /**
   * O_NOFOLLOW guards a path's last part only: a project or sessions directory
   * that is a link would lead every file in it elsewhere. (dataDir itself may be
   * a link: that is the user's own choice of where it lives.)
   */
  private checkDirs(project: string): void {
    for (const dir of [join(this.dataDir, "projects", project), this.sessionsDir(project)]) {
      if (isLink(dir)) throw symlinkRefused(dir);
    }
  }

  /** Every project directory under dataDir (configured or not). */
  projects(): string[] {
    try {
      return readdirSync(join(this.dataDir, "projects"));
    } catch {
      return []; // no dataDir yet: no sessions
    }
  }

  /** Whether any project holds a session record (damaged ones included). */
  hasSessions(): boolean {
    return this.projects().some((p) => this.recordFiles(p).length > 0);
  }

  /** Names in use in a project, including records that fail to parse. */
  names(project: string): Set<string> {
    return new Set(this.recordFiles(project).map((f) => f.slice(0, -5)));
  }

  private recordFiles(project: string): string[] {
    const token = this.changeToken(project);
    const hit = token === undefined ? undefined : this.fileCache.get(project);
    if (hit && hit.token === token) return hit.files;
    let files: string[];
    try {
      files = readdirSync(this.sessionsDir(project)).filter((f) => f.endsWith(".json"));
    } catch {
      files = [];
    }
    if (token !== undefined) this.fileCache.set(project, { token, files });
    return files;
  }

  /** While cacheRecords is on: per project, what its sessions directory held and gave at a change token. */
  private changes?: DirChanges;
  private readonly fileCache = new Map<string, { token: string; files: string[] }>();
  private readonly listCache = new Map<string, { token: string; records: SessionRecord[]; errors: RecordError[] }>();

  /**
   * While cacheRecords is on, a token that changes whenever a record or an
   * events file in the project's sessions directory changes (see DirChanges;
   * transcripts do not count). undefined: not known, so every file must be
   * looked at.
   */
  changeToken(project: string): string | undefined {
    const token = this.changes?.token(this.sessionsDir(project), isStateFile);
    // This store's own writes change it at once (a notification comes only after a turn of the event loop).
    return token === undefined ? undefined : `${this.writes}:${token}`;
  }

  /** Writes by this store, for changeToken. */
  private writes = 0;

  /** Parsed records by file, with the stamp they were read at: see cacheRecords(). */
  private recordCache?: Map<string, { stamp: string; record: SessionRecord }>;

  /**
   * For a reader that lists every second (the dash): list() reads and parses a
   * record again only when its file changed (inode, size, mtime; a record is
   * replaced by rename, so a rewrite is a new inode). An unchanged record costs
   * one lstat instead of a read and a JSON parse, and a project whose sessions
   * directory saw no change at all (changeToken) costs no call per record.
   */
  cacheRecords(on: boolean): void {
    this.recordCache = on ? (this.recordCache ?? new Map()) : undefined;
    if (on) this.changes ??= new DirChanges();
    else {
      this.changes?.close();
      this.changes = undefined;
      this.fileCache.clear();
      this.listCache.clear();
      this.observedCache.clear();
    }
  }

  private readRecord(file: string): SessionRecord {
    if (!this.recordCache) return parseRecord(readNoFollow(file) ?? "");
    const st = lstatSync(file, { throwIfNoEntry: false });
    // Not a regular file (a link, gone): read as without the cache, which refuses or reports it.
    const stamp = st?.isFile() ? fileStamp(st) : undefined;
    const hit = stamp === undefined ? undefined : this.recordCache.get(file);
    if (hit && hit.stamp === stamp) return hit.record;
    this.recordCache.delete(file);
    const record = parseRecord(readNoFollow(file) ?? "");
    if (stamp !== undefined) this.recordCache.set(file, { stamp, record });
    return record;
  }

  list(projects: readonly string[] = this.projects()): { records: SessionRecord[]; errors: RecordError[] } {
    const records: SessionRecord[] = [];
    const errors: RecordError[] = [];
    for (const project of projects) {
      try {
        this.checkDirs(project);
      } catch (err) {
        errors.push({ project, name: project, file: this.sessionsDir(project), error: (err as Error).message });
        continue;
      }
      // Nothing in the directory changed since the last listing (the dash): it holds what it held.
      const token = this.changeToken(project);
      const hit = token === undefined ? undefined : this.listCache.get(project);
      if (hit && hit.token === token) {
        records.push(...hit.records);
        errors.push(...hit.errors);
        continue;
      }
      const from = { records: records.length, errors: errors.length };
      const dir = this.sessionsDir(project);
      for (const f of this.recordFiles(project)) {
        const name = f.slice(0, -5);
        const file = `${dir}/${f}`; // not join(): a plain name in a normalised directory, and per record on every ls
        try {
          records.push(this.readRecord(file));
        } catch (err) {
          errors.push({ project, name, file, error: (err as Error).message });
        }
      }
      if (token !== undefined) this.listCache.set(project, { token, records: records.slice(from.records), errors: errors.slice(from.errors) });
    }
    return { records, errors };
  }

  /**
   * The records of one exact name in every project (normally one): a command on
   * one session of 200 reads one file, not 200. undefined when the name could
   * not be a file name, or a project directory is refused (list() reports it).
   */
  named(name: string): { records: SessionRecord[]; errors: RecordError[] } | undefined {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes("..")) return undefined;
    const records: SessionRecord[] = [];
    const errors: RecordError[] = [];
    for (const project of this.projects()) {
      try {
        this.checkDirs(project);
      } catch {
        return undefined;
      }
      const file = this.file(project, name);
      try {
        const text = readNoFollow(file);
        if (text === undefined) continue;
        const record = parseRecord(text);
        // A case-insensitive file system finds B-1.json for b-1: only the name itself counts.
        if (record.name === name) records.push(record);
      } catch (err) {
        errors.push({ project, name, file, error: (err as Error).message });
      }
    }
    return { records, errors };
  }

  read(project: string, name: string): SessionRecord | undefined {
    this.checkDirs(project);
    const text = readNoFollow(this.file(project, name));
    if (text === undefined) return undefined;
    try {
      return parseRecord(text);
    } catch (err) {
      throw new AoError(`Session record ${name} is damaged: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Claims a name atomically: the complete record is written to a temp file and
   * hard-linked to its final name, which fails if the name exists. Two spawns at
   * the same moment can never both get it, and no reader sees a half-written file.
   */
  reserve(record: SessionRecord): boolean {
    return this.guard(() => this.reserveUnguarded(record));
  }

  private reserveUnguarded(record: SessionRecord): boolean {
    this.writes++;
    this.ensureDir(record.project);
    const final = this.file(record.project, record.name);
    const tmp = writeTemp(final, record);
    try {
      linkSync(tmp, final);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    } finally {
      unlinkSync(tmp);
    }
  }

  /**
   * Atomic replace. `durable: false` skips the fsync: for cached GitHub state,
   * which is only ever shown and is fetched again if a crash loses it. The
   * rename still guarantees that no reader sees a torn file.
   */
  write(record: SessionRecord, opts: { durable?: boolean } = {}): void {
    this.writes++;
    this.guard(() => {
      this.ensureDir(record.project);
      const final = this.file(record.project, record.name);
      refuseLink(final);
      renameSync(writeTemp(final, record, opts.durable ?? true), final);
    });
  }

  /**
   * What `ls` last observed of each live session of a project (status, and what
   * the screen said at which tmux activity time), so that it reads a screen only
   * when it changed and logs a status change once. Only a cache: a missing or
   * damaged file means "nothing observed yet". While cacheRecords is on, it is
   * parsed again only when it changed (the dash reads it every second); what it
   * returns is then shared, and read only.
   */
  readObserved(project: string): Readonly<Record<string, ObservedEntry>> {
    const file = this.observedFile(project);
    if (!this.recordCache) return readCache(file) as Record<string, ObservedEntry>;
    let stamp: string | undefined;
    try {
      const st = lstatSync(file, { throwIfNoEntry: false });
      // None yet (no live session observed in the project): the same empty one each time, as nothing changed.
      if (!st) return NOTHING_OBSERVED;
      stamp = st.isFile() ? fileStamp(st) : undefined;
    } catch {
      stamp = undefined;
    }
    const hit = stamp === undefined ? undefined : this.observedCache.get(file);
    if (hit && hit.stamp === stamp) return hit.data;
    const data = readCache(file) as Record<string, ObservedEntry>;
    if (stamp === undefined) this.observedCache.delete(file);
    else this.observedCache.set(file, { stamp, data });
    return data;
  }

  /** While cacheRecords is on: observed.json by file, with the stamp it was parsed at. */
  private readonly observedCache = new Map<string, { stamp: string; data: Record<string, ObservedEntry> }>();

  /** Best effort, like any cache: an unwritable dataDir must not stop a listing (it reads the screens again). */
  writeObserved(project: string, observed: Record<string, ObservedEntry>): void {
    writeCache(this.observedFile(project), observed);
  }

  /**
   * When asking GitHub about a repository last failed, and why, so that `ls`,
   * `status` and `spawn` wait for an unreachable GitHub once per cache TTL, not
   * once per command. A cache like observed.json: missing or damaged is "none".
   */
  readGitHubFailures(): Record<string, GitHubFailure> {
    const data = readCache(join(this.dataDir, "github-failures.json"));
    return Object.fromEntries(Object.entries(data).filter((e): e is [string, GitHubFailure] => typeof (e[1] as GitHubFailure)?.at === "number" && typeof (e[1] as GitHubFailure)?.why === "string"));
  }

  writeGitHubFailures(failures: Record<string, GitHubFailure>): void {
    writeCache(join(this.dataDir, "github-failures.json"), failures);
  }

  /**
   * What `ao watch` remembers between passes and across restarts (core/watch.ts):
   * not a cache, so it is written durably (fsync, rename) and never through a link.
   * Missing is "nothing seen yet"; a damaged file is an error, never silently
   * "nothing seen", which would repeat every reaction.
   */
  readWatchState(): unknown {
    const path = join(this.dataDir, "watch-state.json");
    const text = this.guard(() => readNoFollow(path));
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new AoError(`ao watch's state is damaged: ${path}`, { cause: err, hint: "Move it away to start afresh (reactions already made may then happen again)." });
    }
  }

  writeWatchState(state: unknown): void {
    this.guard(() => {
      mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
      const path = join(this.dataDir, "watch-state.json");
      refuseLink(path);
      renameSync(writeTemp(path, state, true), path);
    });
  }

  private observedFile(project: string): string {
    return join(this.dataDir, "projects", project, "observed.json");
  }

  /** Removes a record, its events and its transcript (only used to undo a failed spawn). */
  remove(project: string, name: string): void {
    this.writes++;
    for (const ext of [".json", ".events.jsonl", ".log", ".log.1"]) {
      try {
        unlinkSync(this.file(project, name, ext));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
  }

  /** Read-modify-write under the session's lock. */
  async update(project: string, name: string, change: (r: SessionRecord) => SessionRecord, opts: { durable?: boolean } = {}): Promise<SessionRecord> {
    return this.withLock(project, name, async () => {
      const current = this.read(project, name);
      if (!current) throw new AoError(`Session not found: ${name}`);
      const next = { ...change(current), updatedAt: new Date().toISOString() };
      this.write(next, opts);
      return next;
    });
  }

  /**
   * Appends one line with O_APPEND (a single write, so concurrent appenders never
   * interleave). An event's id is its line number, so ids are stable and
   * increasing without reading the log or taking a lock.
   */
  appendEvent(project: string, name: string, type: SessionEvent["type"], data: Record<string, unknown> = {}): void {
    const file = this.file(project, name, ".events.jsonl");
    this.writes++;
    this.guard(() => {
      const fd = openNoFollow(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
      try {
        writeSync(fd, `${JSON.stringify({ at: new Date().toISOString(), type, ...data })}\n`);
      } finally {
        closeSync(fd);
      }
    });
  }

  /**
   * A stamp (size and mtime) of a session's events file that changes whenever an
   * event is appended, so a long-running reader (the dash) reads the file only
   * then. undefined: no events yet. lstat: a link is never followed.
   */
  eventsStamp(project: string, name: string): string | undefined {
    try {
      const st = lstatSync(this.file(project, name, ".events.jsonl"));
      return st.isFile() ? `${st.size}:${st.mtimeMs}` : undefined;
    } catch {
      return undefined; // none yet (or unreadable): nothing new to read
    }
  }

  /**
   * Events with id > `after`, in order. With `containing`, only the lines that
   * hold that text are parsed (a reader that wants a few types skips the JSON of
   * the rest; ids stay line numbers).
   */
  events(project: string, name: string, after = 0, containing?: string): SessionEvent[] {
    this.checkDirs(project);
    const text = readNoFollow(this.file(project, name, ".events.jsonl")) ?? ""; // none yet: no events
    const lines = text.split("\n");
    if (!text.endsWith("\n")) lines.pop(); // a line still being written (or torn by a crash) is not an event yet
    const out: SessionEvent[] = [];
    lines.forEach((line, i) => {
      const id = i + 1;
      if (id <= after || !line || (containing !== undefined && !line.includes(containing))) return;
      try {
        const { id: _old, ...event } = JSON.parse(line) as SessionEvent;
        out.push({ ...event, id });
      } catch {
        // a torn line from a crash keeps its number, so later ids never shift
      }
    });
    return out;
  }

  /** Runs `fn` holding the session's lock; gives up after a bounded wait naming the holder. */
  async withLock<T>(project: string, name: string, fn: () => Promise<T>): Promise<T> {
    const lock = this.file(project, name, ".lock");
    const got = await this.guard(() => {
      this.ensureDir(project);
      return waitForLock(lock, lockWaitMs());
    });
    if (!got.ok) {
      throw new AoError(`Session ${name} is locked by another ao process (pid ${got.holder ?? "unknown"})`, {
        hint: `If that process is gone, remove ${lock}.`,
      });
    }
    try {
      return await fn();
    } finally {
      unlock(lock);
    }
  }

  /** Every lock file under dataDir with the pid it names, and whether its owner is gone (or a reused pid). */
  locks(): { path: string; pid: number | undefined; stale: boolean }[] {
    const dirs = [this.dataDir, join(this.dataDir, "locks"), ...this.projects().map((p) => this.sessionsDir(p))];
    return dirs.flatMap((dir) => {
      let names: string[] = [];
      try {
        names = readdirSync(dir).filter((f) => f.endsWith(".lock"));
      } catch {
        return []; // no such directory
      }
      return names.flatMap((f) => {
        const path = join(dir, f);
        try {
          const seen = lockOwner(path);
          return seen ? [{ path, pid: seen.owner?.pid, stale: !seen.alive }] : []; // released meanwhile
        } catch {
          return [{ path, pid: undefined, stale: true }]; // a link or no file: nobody's lock
        }
      });
    });
  }

  /** Removes a lock found stale, unless it has been taken over or re-made meanwhile. */
  clearStaleLock(path: string): void {
    clearStaleLock(path);
  }

  /** Every record file, for permission checks (links are not records: list() reports them). */
  recordPaths(): string[] {
    return this.projects().flatMap((p) => this.recordFiles(p).map((f) => join(this.sessionsDir(p), f))).filter((f) => !isLink(f));
  }

  /**
   * Runs `fn` holding a named lock under <dataDir>/locks (e.g. one per git
   * repository), waiting a bounded time and naming the holder on timeout.
   */
  async withNamedLock<T>(name: string, what: string, fn: () => Promise<T>): Promise<T> {
    const dir = join(this.dataDir, "locks");
    const path = join(dir, `${name}.lock`);
    const got = await this.guard(() => {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (isLink(dir)) throw symlinkRefused(dir);
      return waitForLock(path, Math.max(lockWaitMs(), 60_000));
    });
    if (!got.ok) throw new AoError(`${what} is locked by another ao process (pid ${got.holder ?? "unknown"})`, { hint: `If that process is gone, remove ${path}.` });
    try {
      return await fn();
    } finally {
      unlock(path);
    }
  }

  /** A lock for a whole-dataDir job (cleanup); answers at once. */
  tryJobLock(job: string): { release(): void } | { holder: number | undefined } {
    const path = join(this.dataDir, `${job}.lock`);
    const got = this.guard(() => {
      mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
      return tryLock(path);
    });
    return got.ok ? { release: () => unlock(path) } : { holder: got.holder };
  }
}

/**
 * A filesystem failure while writing session data, as one typed error that names
 * the data directory and the cause (read-only, full, no permission).
 */
function storeError(err: unknown, dataDir: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const why: Record<string, string> = { EROFS: "it is on a read-only filesystem", ENOSPC: "its filesystem is full", EACCES: "permission denied", EPERM: "permission denied", EDQUOT: "the disk quota is exhausted" };
  if (!code || !why[code]) return err;
  return new AoError(`Cannot write session data in ${dataDir}: ${why[code]} (${code})`, { cause: err, hint: "Nothing was changed. Free space or fix the permissions of dataDir (or AO_DATA_DIR), then try again." });
}

export interface GitHubFailure {
  /** Unix ms of the failed request. */
  at: number;
  why: string;
}

/** observed.json of a project where nothing was observed yet: one object, so that two reads compare the same. */
const NOTHING_OBSERVED: Readonly<Record<string, ObservedEntry>> = Object.freeze({});

/** A JSON object cache file, never read through a symlink; {} when missing or damaged. */
function readCache(path: string): Record<string, unknown> {
  try {
    const data: unknown = JSON.parse(readNoFollow(path) ?? "");
    return data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Best effort: a cache that cannot be written (read-only or full dataDir) is just not kept. */
function writeCache(path: string, data: unknown): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    renameSync(writeTemp(path, data, false), path);
  } catch {
    // the next run asks again
  }
}

const READ_NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW;

/**
 * A file's text, never through a symlink; undefined when it does not exist.
 * Three system calls (read-text.ts): it runs per record on every ls.
 */
function readNoFollow(path: string): string | undefined {
  try {
    return readText(path, READ_NO_FOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "ELOOP") throw symlinkRefused(path);
    throw err;
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false; // gone
  }
}

/** rename() would replace a link rather than follow it; still, a link where a record belongs is refused, not silently undone. */
function refuseLink(path: string): void {
  if (isLink(path)) throw symlinkRefused(path);
}

export function parseRecord(text: string): SessionRecord {
  if (!text.trim()) throw new Error("empty file");
  const data = JSON.parse(text) as Partial<SessionRecord>;
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new Error("not a JSON object");
  if (data.schemaVersion !== SCHEMA_VERSION) throw new Error(`unsupported schemaVersion ${JSON.stringify(data.schemaVersion)}`);
  for (const key of ["name", "project", "branch", "agent", "workspacePath", "tmuxSession", "status", "createdAt"] as const) {
    if (typeof data[key] !== "string") throw new Error(`missing field "${key}"`);
  }
  return withSaneCache(data as SessionRecord);
}

/** The files of a sessions directory that changeToken follows: records and events, not transcripts or temp files. */
const isStateFile = (file: string) => file.endsWith(".json") || file.endsWith(".events.jsonl");

function writeTemp(final: string, record: unknown, durable = true): string {
  const tmp = `${final}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(record, null, 2)}\n`);
    if (durable) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp); // a full disk must not collect half-written temp files
    throw err;
  }
  closeSync(fd);
  return tmp;
}
