/**
 * Agent presets: one typed table. Nothing else in the code branches on an agent's
 * name; a custom agent under `agents:` with the same name overrides fields.
 */
import type { StatusPatterns } from "../core/screen.js";

export type PromptMode = "arg" | "paste";

/** tmux key names (send-keys), e.g. "Escape", "C-c", "y", "Enter". */
export interface AgentKeys {
  /** Answer a permission prompt: allow once, allow always, reject. */
  once?: readonly string[];
  always?: readonly string[];
  reject?: readonly string[];
  /** Interrupt the current turn. */
  abort?: readonly string[];
  /** Empty the agent's input box (text left there, e.g. a prompt an abort put back). */
  clear?: readonly string[];
}

export interface AgentSpec {
  name: string;
  /** Run by `sh -c` in the worktree. */
  command: string;
  /** Used by restore instead of `command` when set. */
  resumeCommand?: string;
  prompt: PromptMode;
  keys: AgentKeys;
  /**
   * A regular expression for the last non-empty screen line while the agent
   * waits for input; `send --wait` uses it to tell that a turn has finished.
   */
  readyPattern?: string;
  /** How to read working / idle / waiting off the agent's screen (core/screen.ts). */
  status?: StatusPatterns;
  /**
   * A regular expression (matched with the `m` flag on the visible screen) whose
   * first capture group is the text in the agent's input box: empty or blank for an
   * empty box; no match means the box cannot be read. Continuation lines of a
   * multi-line text may keep the agent's indentation.
   */
  composer?: string;
}

export type PresetName = "claude-code" | "codex" | "aider" | "opencode" | "shell";

/**
 * Keys and screen patterns come from the agents' own screens, captured in tmux
 * from Claude Code 2.1.197, Codex CLI 0.169.0 and OpenCode 1.18.33 (see
 * test/fixtures/screens/README.md), and are tested against those captures.
 * aider could not be run here: its keys are the y/a/n its documentation gives,
 * and it has no screen patterns, so ao never claims it is `waiting`.
 */
export const PRESETS = {
  "claude-code": {
    command: "claude",
    resumeCommand: "claude --continue",
    prompt: "arg",
    // Permission and folder-trust dialogs: "❯ 1. Yes", "2. Yes, and always allow …", "3. No"; Esc cancels.
    // Ctrl-U deletes one screen row (a line, or a row of a wrapped one) and does nothing on an empty box.
    // Ctrl-C would empty the box at once, but on an empty box it arms "Press Ctrl-C again to exit": a second
    // round after a slow redraw would quit Claude Code. Esc only arms "Esc again to clear" (Esc Esc on an
    // empty box opens the rewind menu).
    keys: { once: ["1"], always: ["2"], reject: ["Escape"], abort: ["Escape"], clear: ["C-u", "C-u", "C-u", "C-u", "C-u", "C-u"] },
    // The box is the "❯" line and its indented continuation lines between two full-width rules;
    // the conversation's "❯" lines above are not between rules. After an abort Claude Code puts the prompt back here.
    composer: String.raw`^─{20,} *\n❯[ \u00a0]?(.*(?:\n(?!─).*)*)\n─{20,} *$`,
    status: {
      // An option list is indented; the prompt box's "❯" is at the margin (followed by a no-break space).
      waiting: ["^ +❯\\s\\d+\\.\\s"],
      working: ["esc to interrupt"],
      idle: ["^❯(\\s|$)"],
    },
  },
  codex: {
    command: "codex",
    resumeCommand: "codex resume --last",
    prompt: "arg",
    // "› 1. Yes, proceed (y)", "2. Yes, and don't ask again … (p)", "3. No, and tell Codex what to do differently (esc)".
    // Enter takes the first option, which is also "Trust and continue" on the folder-trust screen (where y does nothing).
    // Ctrl-U deletes one line (and then the line break); on an empty box it does nothing. Ctrl-C would empty the
    // box at once, but on an empty box it quits Codex, so it is never used.
    keys: { once: ["Enter"], always: ["p"], reject: ["Escape"], abort: ["Escape"], clear: ["C-u", "C-u", "C-u", "C-u", "C-u", "C-u"] },
    // The box is the last "›" line at the margin, with its indented continuation lines; an empty box shows a
    // placeholder ("Ask Codex to do anything", "Ask a follow-up question"), which reads as empty.
    composer: String.raw`^›[ \u00a0](?:(?:Ask Codex to do anything|Ask a follow-up question)[ \u00a0]*$)?(.*(?:\n {2}\S.*)*)(?![\s\S]*^›)`,
    status: {
      waiting: ["Press enter to confirm or esc to cancel", "^ *enter continue · esc back"],
      working: ["esc to interrupt"],
      idle: ["^›(\\s|$)"],
    },
  },
  // aider --message would answer once and exit, so the prompt is pasted into the chat instead.
  aider: {
    command: "aider",
    resumeCommand: "aider --restore-chat-history",
    prompt: "paste",
    keys: { once: ["y", "Enter"], always: ["a", "Enter"], reject: ["n", "Enter"], abort: ["C-c"] },
  },
  // opencode's first positional argument is a project path, not a prompt.
  opencode: {
    command: "opencode",
    resumeCommand: "opencode --continue",
    prompt: "paste",
    // "Allow once   Allow always   Reject", chosen with ⇆ and Enter; "Allow always" asks to confirm.
    // One Esc only arms the interrupt ("esc again to interrupt").
    // Ctrl-U deletes one line (then the line break) and does nothing on an empty box. Ctrl-C empties the box
    // at once, but on an empty box it quits OpenCode, so it is never used.
    keys: { once: ["Enter"], always: ["Right", "Enter", "Enter"], reject: ["Right", "Right", "Enter"], abort: ["Escape", "Escape"], clear: ["C-u", "C-u", "C-u", "C-u", "C-u", "C-u"] },
    // The box: a "┃" padding line, the text line(s), a padding line, then the agent and model line ("┃  Build · …").
    // The first text line is captured; an empty box shows a placeholder (Ask anything… "…"), which reads as empty.
    // In a wide terminal a sidebar column may follow on the same rows, after a run of spaces.
    // ao reads screens with `capture-pane -J`, which keeps trailing spaces: every line end allows them.
    composer: String.raw`^ *┃(?: {3,}\S.*)? *\n *┃ {0,2}(?:Ask anything… "[^"\n]*")?(.*?)(?: {3,}\S.*)? *\n(?: *┃ {2}.*\n)*? *┃(?: {3,}\S.*)? *\n *┃ {2}\S[^\n]* · `,
    status: {
      waiting: ["△ Permission required", "△ Always allow"],
      working: ["esc (again to )?interrupt"],
      idle: ["ctrl\\+p commands"],
    },
  },
  // The user's own shell; "$SHELL" is expanded by sh when the session starts.
  shell: { command: 'exec "${SHELL:-/bin/sh}"', prompt: "paste", keys: { abort: ["C-c"] } },
} as const satisfies Record<PresetName, Omit<AgentSpec, "name">>;

export function isPreset(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}
