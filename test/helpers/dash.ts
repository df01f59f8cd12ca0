/**
 * Driving `ao dash` the way a user does: in a pane of the test's own tmux server
 * at a fixed size, keys by send-keys, the screen by capture-pane.
 */
import { expect } from "vitest";
import { waitFor } from "./proc.js";
import { AO_BIN, type Sandbox } from "./sandbox.js";

export const DASH = "dash";
const target = `=${DASH}:`;

/**
 * Starts `ao dash` in a pane of cols x rows. The pane's shell prints a line
 * before and the dash's exit code after, then stays, so a test sees the terminal
 * once the dash has gone. TMUX is unset: a user's terminal outside tmux (with
 * `insideTmux`, TMUX stays as tmux set it for the pane). CI stays as the test
 * runner has it: the dash draws either way.
 */
export async function startDash(sb: Sandbox, opts: { cols?: number; rows?: number; env?: NodeJS.ProcessEnv; args?: string[]; insideTmux?: boolean } = {}): Promise<void> {
  const vars = Object.entries({ ...sb.env, ...opts.env }).map(([k, v]) => `${k}=${v}`);
  const argv = ["node", AO_BIN, "dash", ...(opts.args ?? [])].map((a) => `'${a}'`).join(" ");
  const script = `printf 'before the dash\\n'; ${argv}; printf 'dash exited %s\\n' "$?"; exec sleep 600`;
  const r = await sb.tmux.tmux("new-session", "-d", "-s", DASH, "-x", String(opts.cols ?? 100), "-y", String(opts.rows ?? 30), "env", ...(opts.insideTmux ? [] : ["-u", "TMUX"]), ...vars, "sh", "-c", script);
  expect(r.code, r.stderr).toBe(0);
}

/** The pane's visible screen; `escapes` keeps the colour codes. */
export async function screen(sb: Sandbox, escapes = false): Promise<string> {
  return (await sb.tmux.tmux("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", target)).stdout;
}

/** Polls until the screen shows `what`; resolves to that screen. */
export function shows(sb: Sandbox, what: string | RegExp | ((text: string) => boolean), timeoutMs = 10_000): Promise<string> {
  const test = typeof what === "string" ? (t: string) => t.includes(what) : what instanceof RegExp ? (t: string) => what.test(t) : what;
  let last = "";
  return waitFor(async () => {
    last = await screen(sb);
    return test(last) ? last : undefined;
  }, `the dash to show ${String(what)}`, timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}; the screen was:\n${last}`);
  });
}

export const keys = (sb: Sandbox, ...k: string[]) => sb.tmux.tmux("send-keys", "-t", target, ...k);
/**
 * A key that decides (an answer to a question, the Enter that sends a line) pressed as a person does:
 * apart from the keys before it. The dash takes input within 30 ms of other input for a paste.
 */
export async function press(sb: Sandbox, key: string) {
  await new Promise((r) => setTimeout(r, 150));
  return keys(sb, key);
}
/** Typed as text, never read as tmux key names. */
export const type = (sb: Sandbox, text: string) => sb.tmux.tmux("send-keys", "-t", target, "-l", text);

/** The line of the list that shows `name`. */
export const rowOf = (text: string, name: string) => text.split("\n").find((l) => new RegExp(`^[> ] ${name} `).test(l));
/** Session names in the order the list shows them. */
export const order = (text: string) => text.split("\n").flatMap((l) => /^[> ] (ma-\d+) /.exec(l)?.[1] ?? []);
