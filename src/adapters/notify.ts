/**
 * Where `ao watch` tells the user (config `notify:`): a webhook (POST JSON with a
 * Slack-compatible `text`), a command (argv, the text as its last argument,
 * never a shell), the desktop (notify-send, or osascript on macOS). Each
 * notification is fired and forgotten so a slow receiver never holds up the
 * loop; retries are bounded, and `flush` lets a `--once` run wait a bounded
 * time for what is still in flight. A webhook URL is a secret (Slack's are):
 * failures name its host only.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { NotifyTarget } from "../config/types.js";
import { run } from "./exec.js";

export interface Notifier {
  send(text: string, event: Record<string, unknown>): void;
  /** Waits for notifications in flight, at most `timeoutMs`. */
  flush(timeoutMs: number): Promise<void>;
}

const WEBHOOK_ATTEMPTS = 3;
const WEBHOOK_TIMEOUT_MS = 5_000;
const COMMAND_TIMEOUT_MS = 10_000;

export function makeNotifier(targets: readonly NotifyTarget[], env: NodeJS.ProcessEnv, warn: (message: string) => void): Notifier {
  const inFlight = new Set<Promise<void>>();
  const senders: ((text: string, event: Record<string, unknown>) => Promise<void>)[] = [];
  for (const t of targets) {
    if ("webhook" in t) senders.push((text, event) => postWebhook(t.webhook, { text, event }, warn));
    else if ("command" in t) senders.push((text) => runCommand(t.command, text, env, warn));
    else if (t.desktop) {
      const argv = desktopCommand(env);
      if (!argv) warn("desktop notifications: neither notify-send nor osascript is on PATH; ao watch's own output still has every event");
      else senders.push((text) => runCommand(argv, text, env, warn));
    }
  }
  return {
    send(text, event) {
      for (const send of senders) {
        const p = send(text, event).catch(() => undefined).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    },
    async flush(timeoutMs) {
      if (inFlight.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
      clearTimeout(timer);
    },
  };
}

async function postWebhook(url: string, body: unknown, warn: (m: string) => void): Promise<void> {
  const host = new URL(url).host;
  let why = "";
  for (let attempt = 1; attempt <= WEBHOOK_ATTEMPTS; attempt++) {
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS), redirect: "error" });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return;
      why = `HTTP ${res.status}`;
      if (res.status < 500 && res.status !== 429) break; // the receiver refuses it: asking again will not help
    } catch (err) {
      why = (err as Error).name === "TimeoutError" ? "no answer in time" : "could not connect";
    }
    if (attempt < WEBHOOK_ATTEMPTS) await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)));
  }
  warn(`webhook notification to ${host} failed (${why})`);
}

async function runCommand(argv: readonly string[], text: string, env: NodeJS.ProcessEnv, warn: (m: string) => void): Promise<void> {
  try {
    await run(argv[0]!, [...argv.slice(1), text], { env, timeoutMs: COMMAND_TIMEOUT_MS });
  } catch (err) {
    const e = err as { exitCode?: number | null; spawnErrorCode?: string };
    warn(`notify command ${argv[0]} failed (${e.spawnErrorCode ?? (e.exitCode != null ? `exit ${e.exitCode}` : "killed")})`);
  }
}

/** notify-send where present (Linux, BSD), else osascript (macOS); the text is an argument, never code. */
function desktopCommand(env: NodeJS.ProcessEnv): string[] | undefined {
  if (onPath("notify-send", env)) return ["notify-send", "ao"];
  if (onPath("osascript", env)) return ["osascript", "-e", "on run argv", "-e", 'display notification (item 1 of argv) with title "ao"', "-e", "end run"];
  return undefined;
}

function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return dir !== "";
    } catch {
      return false;
    }
  });
}
