/** The few filesystem operations the core needs, behind an interface it can receive. */
import { accessSync, chmodSync, closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { symlinkRefused } from "./lock.js";

export interface Files {
  exists(path: string): boolean;
  /** Creates `path` as a link to `target`, making parent directories. */
  symlink(target: string, path: string): void;
  /** Writes a 0600 file; a symlink at `path` is refused, never written through. */
  writePrivate(path: string, text: string): void;
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
  list(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return []; // missing
    }
  },
};

/** O_NOFOLLOW: a symlink at the last component fails (ELOOP) instead of being followed. */
function openNoFollow(path: string, flags: number): number {
  try {
    return openSync(path, flags | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") throw symlinkRefused(path);
    throw err;
  }
}
