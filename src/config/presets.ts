/**
 * Agent presets: one typed table. Nothing else in the code branches on an agent's
 * name; a custom agent under `agents:` with the same name overrides fields.
 */
export type PromptMode = "arg" | "paste";

export interface AgentSpec {
  name: string;
  /** Run by `sh -c` in the worktree. */
  command: string;
  /** Used by restore instead of `command` when set. */
  resumeCommand?: string;
  prompt: PromptMode;
}

export type PresetName = "claude-code" | "codex" | "aider" | "opencode" | "shell";

export const PRESETS = {
  "claude-code": { command: "claude", resumeCommand: "claude --continue", prompt: "arg" },
  codex: { command: "codex", resumeCommand: "codex resume --last", prompt: "arg" },
  // aider --message would answer once and exit, so the prompt is pasted into the chat instead.
  aider: { command: "aider", resumeCommand: "aider --restore-chat-history", prompt: "paste" },
  // opencode's first positional argument is a project path, not a prompt.
  opencode: { command: "opencode", resumeCommand: "opencode --continue", prompt: "paste" },
  // The user's own shell; "$SHELL" is expanded by sh when the session starts.
  shell: { command: 'exec "${SHELL:-/bin/sh}"', prompt: "paste" },
} as const satisfies Record<PresetName, Omit<AgentSpec, "name">>;

export function isPreset(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}
