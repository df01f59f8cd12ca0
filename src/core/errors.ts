/**
 * Typed errors. Every error a user can see is an AoError: a message, an optional
 * hint (the next step), and the exit code the CLI maps it to. Causes are kept.
 */
export const ExitCode = { ok: 0, error: 1, usage: 2 } as const;

export class AoError extends Error {
  readonly hint?: string;
  readonly exitCode: number;
  /** When true the message is printed as is, without the "Error: " prefix. */
  readonly bare: boolean;
  /** When true nothing is printed: the command has already said what happened. */
  readonly quiet: boolean;
  constructor(
    message: string,
    options: { hint?: string; exitCode?: number; cause?: unknown; bare?: boolean; quiet?: boolean } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = "AoError";
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.error;
    this.bare = options.bare ?? false;
    this.quiet = options.quiet ?? false;
  }
}

/** Bad input that the user can fix by changing the command line. */
export class UsageError extends AoError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: ExitCode.usage });
    this.name = "UsageError";
  }
}

/**
 * A kill refused because the worktree holds work that is not saved anywhere else.
 * Its own type so a caller (the dash) can offer `--force` without reading the message.
 */
export class UnsavedWorkError extends AoError {
  constructor(message: string, hint: string) {
    super(message, { hint });
    this.name = "UnsavedWorkError";
  }
}

export class ConfigError extends AoError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options);
    this.name = "ConfigError";
  }
}

/** No config was found (SPEC §1): commands on existing sessions may go on with the records' own configs. */
export class NoConfigError extends ConfigError {
  constructor(hint: string) {
    super("No agent-orchestrator.yaml found", { hint });
    this.name = "NoConfigError";
  }
}

/** A process that ran and failed, or could not start. Decisions read the fields, never the message. */
export class CommandError extends Error {
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  readonly stdout: string;
  readonly timedOut: boolean;
  /** Set when the program could not be started (ENOENT, EACCES). */
  readonly spawnErrorCode?: string;
  constructor(init: {
    args: readonly string[];
    exitCode: number | null;
    stderr: string;
    stdout: string;
    timedOut?: boolean;
    spawnErrorCode?: string;
  }) {
    const what = init.args.join(" ");
    const why = init.spawnErrorCode
      ? `could not start (${init.spawnErrorCode})`
      : init.timedOut
        ? "timed out"
        : `exited with code ${init.exitCode}`;
    const detail = init.stderr.trim().split("\n").slice(-3).join("\n");
    super(`${what}: ${why}${detail ? `\n${detail}` : ""}`);
    this.name = "CommandError";
    this.args = init.args;
    this.exitCode = init.exitCode;
    this.stderr = init.stderr;
    this.stdout = init.stdout;
    this.timedOut = init.timedOut ?? false;
    this.spawnErrorCode = init.spawnErrorCode;
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
