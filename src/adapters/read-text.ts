/**
 * A file's text in as few system calls as Node allows: open, one read, close.
 * readFileSync makes a fourth (a read that returns 0 at the end); `ls` reads a
 * record and a HEAD file per session, and on these machines each call on a file
 * costs tens of microseconds. A regular file gives fewer bytes than asked only
 * at its end, so a read that does not fill the buffer has read it all; a larger
 * file is read on to its end.
 */
import { closeSync, constants, openSync, readFileSync, readSync, type Stats } from "node:fs";

const buffer = Buffer.allocUnsafe(64 * 1024);

/**
 * Throws as openSync does (ENOENT, ELOOP for O_NOFOLLOW on a link…). Opened
 * non-blocking: a FIFO put where a record or a HEAD file should be (an agent
 * can write its worktree's git dir) reads as empty instead of hanging ls
 * forever; a regular file reads as usual.
 */
export function readText(path: string, flags: number = constants.O_RDONLY): string {
  const fd = openSync(path, flags | constants.O_NONBLOCK);
  try {
    const n = readSync(fd, buffer, 0, buffer.length, null);
    if (n < buffer.length) return buffer.toString("utf8", 0, n);
    return Buffer.concat([buffer, readFileSync(fd)]).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * What says a file changed, for a reader that keeps what it parsed (the dash's
 * records and HEADs): inode, size and mtime. Files ao and git replace by rename
 * get a new inode on every rewrite. Undefined for no file.
 */
export function fileStamp(st: Stats | undefined): string | undefined {
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : undefined;
}
