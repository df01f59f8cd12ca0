/**
 * When an agent's turn has finished (send --wait), after the screen changed:
 * - with the agent's `readyPattern`: its last screen line matches and the screen
 *   has been still for READY_QUIET_MS;
 * - else with status patterns (the presets have them): the screen reads `idle`
 *   (back at the prompt) or `waiting` (it asks for a permission), still for
 *   READY_QUIET_MS (a screen they cannot read falls back to the next rule);
 * - else once the screen has been still for QUIET_MS.
 * The output of the turn is what it added to the screen (turnOutput).
 */
import type { Tmux } from "../adapters/tmux.js";
import type { AgentSpec } from "../config/presets.js";
import type { Context } from "./context.js";
import { AoError } from "./errors.js";
import { classifyScreen, hasPatterns, type ScreenStatus } from "./screen.js";

export const QUIET_MS = 2_000;
export const READY_QUIET_MS = 500;

export interface TurnResult {
  output: string;
  elapsedMs: number;
  /** Where the screen's patterns could tell: back at the prompt, or asking for a permission. */
  status?: "idle" | "waiting";
}

export function lastLine(screen: string): string {
  return screen.replace(/\s+$/, "").split("\n").at(-1) ?? "";
}

/** Pure: is the turn over, given what has been seen? */
export function turnFinished(s: { changed: boolean; stillForMs: number; lastLine: string; ready?: RegExp; screen?: ScreenStatus }): boolean {
  if (!s.changed) return false;
  if (s.ready) return s.ready.test(s.lastLine) && s.stillForMs >= READY_QUIET_MS;
  if (s.screen === "idle" || s.screen === "waiting") return s.stillForMs >= READY_QUIET_MS;
  if (s.screen === "working") return false;
  // No pattern, or a screen none of them reads (the agent crashed to a shell…): stillness decides.
  return s.stillForMs >= QUIET_MS;
}

/**
 * Pure: what a turn added, from the scrollback before and after it. Lines past
 * the common beginning, except those that were already showing below it: a TUI
 * agent (Codex, Claude Code) draws the conversation above its prompt box and
 * status bar and redraws those, so they are not the turn's output. Trailing
 * spaces, blank runs and a final line that is the agent's prompt are dropped.
 */
export function turnOutput(before: string, after: string, isPrompt?: (line: string) => boolean): string {
  const lines = (text: string) => text.split("\n").map((l) => l.replace(/\s+$/, ""));
  const a = lines(before);
  const b = lines(after);
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  const redrawn = new Set(a.slice(common).filter(Boolean));
  const out = b
    .slice(common)
    .filter((l) => !redrawn.has(l))
    .filter((l, i, kept) => l !== "" || (i > 0 && kept[i - 1] !== ""));
  while (out.length && !out[0]) out.shift();
  while (out.length && !out.at(-1)) out.pop();
  if (isPrompt && out.length && isPrompt(out.at(-1)!)) out.pop(); // the prompt waiting for the next message
  return out.join("\n");
}

/** Call before sending: returns a waiter for the turn the message starts. */
export async function prepareWait(ctx: Pick<Context, "now">, tmux: Tmux, tmuxSession: string, agent: Pick<AgentSpec, "readyPattern" | "status">) {
  const before = await tmux.captureHistory(tmuxSession);
  const ready = agent.readyPattern ? new RegExp(agent.readyPattern) : undefined;
  const patterns = !ready && hasPatterns(agent.status) ? agent.status : undefined;
  // The last line of the output is the agent's next prompt when, alone, it matches readyPattern or reads idle.
  const isPrompt = ready ? (line: string) => ready.test(line) : patterns ? (line: string) => classifyScreen(line, { idle: patterns.idle }) === "idle" : undefined;
  return async (timeoutMs: number, pollMs = 150): Promise<TurnResult> => {
    const started = ctx.now();
    let last = before;
    let lastChange = started;
    let changed = false;
    for (;;) {
      await new Promise((r) => setTimeout(r, pollMs));
      const now = ctx.now();
      const screen = await tmux.captureHistory(tmuxSession);
      if (screen !== last) {
        changed = true;
        last = screen;
        lastChange = now;
      }
      // The patterns read the visible screen, not the scrollback; asked for only once the screen is still.
      const still = now - lastChange;
      const status = patterns && changed && still >= READY_QUIET_MS ? classifyScreen(await tmux.capture(tmuxSession), patterns) : undefined;
      if (turnFinished({ changed, stillForMs: still, lastLine: lastLine(screen), ready, screen: patterns ? (status ?? "working") : undefined })) {
        return { output: turnOutput(before, screen, isPrompt), elapsedMs: now - started, ...(status === "idle" || status === "waiting" ? { status } : {}) };
      }
      if (now - started >= timeoutMs) {
        throw new AoError(`Timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${tmuxSession} to finish its turn`, { exitCode: 124, hint: turnOutput(before, last) ? "The agent is still producing output: see ao session logs." : "The agent has not answered yet." });
      }
    }
  };
}
