/** What ao agrees to type into an agent. */
import { UsageError } from "./errors.js";

/** Far above any real prompt (10 KB arrive whole), far below what would flood a pane. */
export const MAX_MESSAGE_BYTES = 512 * 1024;

/**
 * Text an agent receives must be text: NUL cannot cross a terminal, and an ESC
 * could end the bracketed paste early (ESC[201~) and make the rest act as keys.
 * Tab, newline and carriage return are fine.
 */
export function checkMessage(text: string, what = "message"): void {
  if (text.length === 0) throw new UsageError(`Nothing to send: the ${what} is empty.`);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_MESSAGE_BYTES) throw new UsageError(`The ${what} is ${bytes} bytes; the limit is ${MAX_MESSAGE_BYTES}.`);
  const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.exec(text);
  if (bad) {
    const code = bad[0].charCodeAt(0);
    const name = code === 0 ? "a NUL byte" : code === 0x1b ? "an escape character (ESC)" : `a control character (0x${code.toString(16).padStart(2, "0")})`;
    throw new UsageError(`The ${what} contains ${name} at character ${bad.index + 1}; ao sends plain text only.`);
  }
}
