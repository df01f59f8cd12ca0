/** The few filesystem operations the core needs, behind an interface it can receive. */
import { accessSync, chmodSync, closeSync, constants, existsSync, fchmodSync, fstatSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { AoError } from "../core/errors.js";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { openNoFollow, symlinkRefused } from "./lock.js";

export interface Files {
  exists(path: string): boolean;
  /** Creates `path` as a link to `target`, making parent directories. */
  symlink(target: string, path: string): void;
  /** Writes a 0600 file; a symlink at `path` is refused, never written through. */
  writePrivate(path: string, text: string): void;
  /**
   * Appends to a 0600 regular file, creating it (and a 0700 parent); a symlink
   * or anything but a regular file at `path` is refused, never written through.
   */
  appendPrivate(path: string, text: string): void;
  /**
   * The bytes of a regular file from `offset` on, with its inode and size;
   * undefined when it does not exist. A symlink at `path` is refused.
   */
  readFrom(path: string, offset: number): { ino: number; size: number; data: Buffer } | undefined;
  /** The file's text, or undefined when it does not exist; a symlink at `path` is refused. */
  read(path: string): string | undefined;
  /** Creates a file that must not exist yet, unless `overwrite`. */
  create(path: string, text: string, overwrite: boolean): void;
  remove(path: string): void;
  /** Permission bits, or undefined when the path does not exist. */
  mode(path: string): number | undefined;
  /** Refuses a symlink (chmod would change its target). */
  chmod(path: string, mode: number): void;
  /** Entry names of a directory ([] when it does not exist). */
  list(dir: string): string[];
  /** The path with every symlink resolved (throws when it does not exist). */
  realpath(path: string): string;
  /** A regular file this process may execute. */
  isExecutable(path: string): boolean;
  /**
   * Creates `root/rel` as a link to `target`, replacing what the checkout has
   * there, but only inside `root`: a `rel` that leaves it, or a parent directory
   * that is a symlink (which would make the link, or the removal of the file it
   * replaces, happen wherever that symlink points), is refused with an Error.
   */
  symlinkInside(root: string, rel: string, target: string): void;
  /** A new private directory `parent/prefix…`, parents made. */
  tempDir(parent: string, prefix: string): string;
  rename(from: string, to: string): void;
  /** Removes a directory tree (nothing when missing). */
  removeTree(path: string): void;
  /** Milliseconds since the path last changed, or undefined when missing. */
  ageMs(path: string): number | undefined;
}

export const nodeFiles: Files = {
  exists: (path) => existsSync(path),
  symlink(target, path) {
    mkdirSync(dirname(path), { recursive: true });
    try {
      lstatSync(path);
      rmSync(path, { recursive: true, force: true }); // the checkout's own copy is replaced by the link
    } catch {
      // nothing there yet
    }
    symlinkSync(target, path);
  },
  writePrivate(path, text) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openNoFollow(path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC);
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  },
  appendPrivate(path, text) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openNoFollow(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND);
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new AoError(`Refusing to use ${path}: it is not a regular file`, { hint: "Remove it; ao makes this file itself." });
      if ((st.mode & 0o777) !== 0o600) fchmodSync(fd, 0o600); // made by someone else: private from now on
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
  },
  readFrom(path, offset) {
    let fd: number;
    try {
      fd = openNoFollow(path, constants.O_RDONLY | constants.O_NONBLOCK); // O_NONBLOCK: a FIFO planted here must not hang the read
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new AoError(`Refusing to read ${path}: it is not a regular file`);
      const data = Buffer.alloc(Math.max(0, st.size - offset));
      let got = 0;
      while (got < data.length) {
        const n = readSync(fd, data, got, data.length - got, offset + got);
        if (n === 0) break; // truncated meanwhile
        got += n;
      }
      return { ino: st.ino, size: st.size, data: data.subarray(0, got) };
    } finally {
      closeSync(fd);
    }
  },
  read(path) {
    let fd: number;
    try {
      fd = openNoFollow(path, constants.O_RDONLY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ELOOP" || (err as Error).name === "AoError") throw err;
      return undefined; // missing
    }
    try {
      return readFileSync(fd, "utf8");
    } catch {
      return undefined; // a directory, or unreadable
    } finally {
      closeSync(fd);
    }
  },
  create(path, text, overwrite) {
    writeFileSync(path, text, { flag: overwrite ? "w" : "wx" });
  },
  remove: (path) => rmSync(path, { force: true }),
  mode(path) {
    try {
      return statSync(path).mode & 0o777;
    } catch {
      return undefined; // missing
    }
  },
  chmod(path, mode) {
    if (lstatSync(path).isSymbolicLink()) throw symlinkRefused(path);
    chmodSync(path, mode);
  },
  realpath: (path) => realpathSync(path),
  isExecutable(path) {
    try {
      accessSync(path, constants.X_OK);
      return statSync(path).isFile();
    } catch {
      return false; // missing or not executable
    }
  },
  symlinkInside(root, rel, target) {
    const path = resolve(root, rel);
    const inside = relative(root, path);
    if (isAbsolute(rel) || inside === "" || inside === ".." || inside.startsWith(`..${sep}`)) throw new Error(`${rel} is not a path inside the worktree`);
    let dir = root;
    for (const part of inside.split(sep).slice(0, -1)) {
      dir = join(dir, part);
      let st;
      try {
        st = lstatSync(dir);
      } catch {
        break; // missing from here on: mkdir makes real directories
      }
      if (st.isSymbolicLink()) throw new Error(`${relative(root, dir)} is a symlink in the worktree (to ${realpathOr(dir)}); ao does not write through it`);
      if (!st.isDirectory()) throw new Error(`${relative(root, dir)} is not a directory`);
    }
    nodeFiles.symlink(target, path);
  },
  tempDir(parent, prefix) {
    mkdirSync(parent, { recursive: true, mode: 0o700 });
    return mkdtempSync(join(parent, prefix));
  },
  removeTree: (path) => rmSync(path, { recursive: true, force: true }),
  rename: (from, to) => renameSync(from, to),
  ageMs(path) {
    try {
      return Date.now() - lstatSync(path).mtimeMs;
    } catch {
      return undefined; // missing
    }
  },
  list(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return []; // missing
    }
  },
};

function realpathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return "a missing target"; // dangling link
  }
}
