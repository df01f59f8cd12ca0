/**
 * When an agent's turn has finished (send --wait). With the agent's
 * `readyPattern`: once its last screen line matches and the screen has been
 * still for READY_QUIET_MS. Without one: once the screen, having changed, has
 * been still for QUIET_MS. The output of the turn is the lines it added.
 */
import type { Context } from "./context.js";
import { AoError } from "./errors.js";

export const QUIET_MS = 2_000;
export const READY_QUIET_MS = 500;

export interface TurnResult {
  output: string;
  elapsedMs: number;
}

export function lastLine(screen: string): string {
  return screen.replace(/\s+$/, "").split("\n").at(-1) ?? "";
}

/** Pure: is the turn over, given what has been seen? */
export function turnFinished(s: { changed: boolean; stillForMs: number; lastLine: string; ready?: RegExp }): boolean {
  if (!s.changed) return false;
  if (s.ready) return s.ready.test(s.lastLine) && s.stillForMs >= READY_QUIET_MS;
  return s.stillForMs >= QUIET_MS;
}

/** Call before sending: returns a waiter for the turn the message starts. */
export async function prepareWait(ctx: Context, tmuxSession: string, readyPattern: string | undefined) {
  const before = await ctx.tmux.captureHistory(tmuxSession);
  const baseLines = before.replace(/\n$/, "").split("\n").length;
  const ready = readyPattern ? new RegExp(readyPattern) : undefined;
  return async (timeoutMs: number, pollMs = 150): Promise<TurnResult> => {
    const started = ctx.now();
    let last = before;
    let lastChange = started;
    let changed = false;
    for (;;) {
      await new Promise((r) => setTimeout(r, pollMs));
      const now = ctx.now();
      const screen = await ctx.tmux.captureHistory(tmuxSession);
      if (screen !== last) {
        changed = true;
        last = screen;
        lastChange = now;
      }
      const lines = screen.replace(/\n$/, "").split("\n");
      if (turnFinished({ changed, stillForMs: now - lastChange, lastLine: lastLine(screen), ready })) {
        const added = lines.slice(baseLines);
        if (ready && added.length && ready.test(added.at(-1)!)) added.pop(); // the prompt waiting for the next message
        return { output: added.join("\n"), elapsedMs: now - started };
      }
      if (now - started >= timeoutMs) {
        throw new AoError(`Timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${tmuxSession} to finish its turn`, { exitCode: 124, hint: lines.slice(baseLines).length ? "The agent is still producing output: see ao session logs." : "The agent has not answered yet." });
      }
    }
  };
}
