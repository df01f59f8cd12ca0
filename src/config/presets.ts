/**
 * Agent presets: one typed table. Nothing else in the code branches on an agent's
 * name; a custom agent under `agents:` with the same name overrides fields.
 */
export type PromptMode = "arg" | "paste";

/** tmux key names (send-keys), e.g. "Escape", "C-c", "y", "Enter". */
export interface AgentKeys {
  /** Answer a permission prompt: allow once, allow always, reject. */
  once?: readonly string[];
  always?: readonly string[];
  reject?: readonly string[];
  /** Interrupt the current turn. */
  abort?: readonly string[];
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
}

export type PresetName = "claude-code" | "codex" | "aider" | "opencode" | "shell";

/**
 * Keys are only defined where the agent's own interface states them ("esc to
 * interrupt"; aider's y/a/n confirmations). Permission dialogs that could not be
 * checked against the real agent are left undefined: `ao session reply` then
 * says so instead of guessing, and `agents.NAME.keys` can supply them.
 */
export const PRESETS = {
  "claude-code": { command: "claude", resumeCommand: "claude --continue", prompt: "arg", keys: { abort: ["Escape"] } },
  codex: { command: "codex", resumeCommand: "codex resume --last", prompt: "arg", keys: { abort: ["Escape"] } },
  // aider --message would answer once and exit, so the prompt is pasted into the chat instead.
  aider: {
    command: "aider",
    resumeCommand: "aider --restore-chat-history",
    prompt: "paste",
    keys: { once: ["y", "Enter"], always: ["a", "Enter"], reject: ["n", "Enter"], abort: ["C-c"] },
  },
  // opencode's first positional argument is a project path, not a prompt.
  opencode: { command: "opencode", resumeCommand: "opencode --continue", prompt: "paste", keys: { abort: ["Escape"] } },
  // The user's own shell; "$SHELL" is expanded by sh when the session starts.
  shell: { command: 'exec "${SHELL:-/bin/sh}"', prompt: "paste", keys: { abort: ["C-c"] } },
} as const satisfies Record<PresetName, Omit<AgentSpec, "name">>;

export function isPreset(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}
