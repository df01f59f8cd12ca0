/** `ao spawn <project> [issue]`. */
import { readFileSync } from "node:fs";
import { UsageError } from "../../core/errors.js";
import type { Cli } from "../context.js";
import { actionJson } from "../render/sessions.js";
import { socketNote } from "./session.js";

interface SpawnOpts {
  agent?: string;
  prompt?: string;
  promptFile?: string;
  title?: string;
  branch?: string;
  base?: string;
  json?: boolean;
}

export async function spawnCommand(cli: Cli, project: string, issue: string | undefined, opts: SpawnOpts): Promise<void> {
  const prompt = opts.promptFile !== undefined ? readInput(opts.promptFile, "prompt file") : opts.prompt;
  const ao = await cli.orchestrator();
  const { session } = await ao.spawn(
    { project, issue, agent: opts.agent, prompt, title: opts.title, branch: opts.branch, base: opts.base },
    { warn: (m) => void cli.warn(m) },
  );
  if (opts.json) return cli.json(actionJson("spawned", session, { issue: session.issue ?? null, agent: session.agent, title: session.title ?? null }));
  cli.out([`Session ${session.name} spawned.`, `  Worktree: ${session.workspacePath}`, `  Branch:   ${session.branch}`, `  Attach:   tmux attach -t ${session.tmuxSession}`].join("\n"));
  socketNote(cli, ao.config.tmuxSocket, session.tmuxSession);
}

/**
 * Reads a file, or stdin for "-", with a clear error instead of a stack trace.
 * Trailing newlines are dropped: ao presses Enter itself.
 */
export function readInput(file: string, what: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8").replace(/\n+$/, "");
  } catch (err) {
    throw new UsageError(`Cannot read ${what} ${file === "-" ? "from stdin" : file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
