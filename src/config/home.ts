/** The home directory and `~` in settings; no imports but node's own (src/cli/early.ts uses them too). */
import { homedir } from "node:os";
import { join } from "node:path";

export function home(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME || homedir();
}

export function expandTilde(p: string, homeDir: string): string {
  return p === "~" ? homeDir : p.startsWith("~/") ? join(homeDir, p.slice(2)) : p;
}
