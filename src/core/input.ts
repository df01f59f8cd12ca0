/**
 * The ONE check before ao types into an agent (send): is it safe now?
 * - a pane whose program has exited gets nothing (tmux 3.3a dies on it);
 * - a screen that reads `waiting` (a permission prompt, a trust screen, any
 *   option list) gets nothing: the agent's menu would drop the text and the
 *   Enter would pick its highlighted default, answering a question the user
 *   never saw. `force` sends anyway;
 * - text left in the agent's input box (Claude Code puts an interrupted prompt
 *   back) is cleared first with the agent's `keys.clear`, or the send is
 *   refused: a message is never glued to leftovers.
 * It reads the screen once (one tmux process) and again only after clearing,
 * so the paste that follows comes as soon after the check as tmux allows.
 */
import type { PaneSnapshot, Tmux } from "../adapters/tmux.js";
import { PaneDeadError } from "../adapters/tmux.js";
import type { AgentSpec } from "../config/presets.js";
import { AoError } from "./errors.js";
import { classifyScreen, composerText, hasPatterns } from "./screen.js";

/** Rounds of clear keys (a multi-line draft may need one per line), each followed by a fresh read. */
const CLEAR_ROUNDS = 3;
/** Time for the agent to redraw its input box after the clear keys. */
const REDRAW_MS = 150;
const KEY_GAP_MS = 200;

export async function readyForInput(tmux: Tmux, name: string, agent: AgentSpec, opts: { force?: boolean; snapshot?: PaneSnapshot } = {}): Promise<void> {
  let snap = opts.snapshot ?? (await tmux.snapshot(name));
  if (snap.dead) throw new PaneDeadError(name);
  if (!opts.force && hasPatterns(agent.status) && classifyScreen(snap.screen, agent.status) === "waiting") {
    throw new AoError(`${name} is asking a question, so nothing was sent; answer it with: ao session reply ${name} once|always|reject (or send with --force)`);
  }
  let left = composerText(snap.screen, agent.composer);
  if (!left) return; // empty, or a box the pattern cannot find (nothing to clear that ao can see)
  const clear = agent.keys.clear;
  if (!clear?.length) throw leftover(name, left, `ao cannot clear it for the ${agent.name} agent (no agents.${agent.name}.keys.clear)`);
  for (let round = 0; round < CLEAR_ROUNDS && left; round++) {
    await pressKeys(tmux, name, clear);
    await new Promise((r) => setTimeout(r, REDRAW_MS));
    snap = await tmux.snapshot(name);
    if (snap.dead) throw new PaneDeadError(name);
    left = composerText(snap.screen, agent.composer);
  }
  if (left) throw leftover(name, left, "it is still there after clearing");
}

function leftover(name: string, text: string, why: string): AoError {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return new AoError(`${name}'s input box holds text (${JSON.stringify(shown)}) and ${why}, so nothing was sent`, { hint: `Clear it by hand (ao session attach ${name}), then send again.` });
}

/**
 * Keys one at a time, apart: a TUI reads two Escapes in one read as Alt-Escape,
 * not a double press (OpenCode's interrupt), and a second Enter must reach the
 * dialog the first one opened.
 */
export async function pressKeys(tmux: Tmux, name: string, keys: readonly string[]): Promise<void> {
  for (const [i, key] of keys.entries()) {
    if (i) await new Promise((r) => setTimeout(r, KEY_GAP_MS));
    await tmux.sendKeys(name, [key]);
  }
}
