import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/proc.js";
import { AO_BIN, agentReady, useSandbox, type Sandbox } from "../helpers/sandbox.js";

const s = useSandbox();

/** The dash's pane: a session of the test's own tmux server, at a fixed size. */
const DASH = "dash";

/**
 * Starts `ao dash` in a pane of WxH. The pane's shell prints a line before and
 * the dash's exit code after, then stays, so a test can see what the terminal
 * looks like once the dash has gone. TMUX is unset: the dash is "outside tmux".
 */
async function startDash(sb: Sandbox, cols = 100, rows = 30, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const vars = Object.entries({ ...sb.env, ...env }).map(([k, v]) => `${k}=${v}`);
  const script = `printf 'before the dash\\n'; node ${JSON.stringify(AO_BIN)} dash; printf 'dash exited %s\\n' "$?"; exec sleep 600`;
  const r = await sb.tmux.tmux("new-session", "-d", "-s", DASH, "-x", String(cols), "-y", String(rows), "env", "-u", "TMUX", "-u", "CI", ...vars, "sh", "-c", script);
  expect(r.code, r.stderr).toBe(0);
}

/** The dash's visible screen (no scrollback). */
async function screen(sb: Sandbox): Promise<string> {
  return (await sb.tmux.tmux("capture-pane", "-p", "-t", `=${DASH}:`)).stdout;
}

const shows = (sb: Sandbox, what: string | RegExp, timeoutMs = 10_000) =>
  waitFor(async () => {
    const text = await screen(sb);
    return (typeof what === "string" ? text.includes(what) : what.test(text)) && text;
  }, `the dash to show ${what}`, timeoutMs);

const keys = (sb: Sandbox, ...k: string[]) => sb.tmux.tmux("send-keys", "-t", `=${DASH}:`, ...k);
const literal = (sb: Sandbox, text: string) => sb.tmux.tmux("send-keys", "-t", `=${DASH}:`, "-l", text);

async function spawn(sb: Sandbox, issue: string, extra: string[] = []): Promise<void> {
  const r = await sb.ao(["spawn", "my-app", issue, "--agent", "demo-status", ...extra]);
  expect(r.code, r.stderr).toBe(0);
}

describe("ao dash", () => {
  it("lists the sessions with their statuses, the ones that need the user first, and previews the selected one", async () => {
    await spawn(s, "1");
    await spawn(s, "2");
    await spawn(s, "3");
    await Promise.all(["ma-1", "ma-2", "ma-3"].map((n) => agentReady(s, n)));
    expect((await s.ao(["send", "ma-3", "/ask deploy to staging"])).code).toBe(0);
    await startDash(s);
    const text = await shows(s, "Permission needed: deploy to staging");
    console.log(text);
  });
});
