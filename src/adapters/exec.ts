/**
 * The one process runner. Built on node:child_process rather than execa: execa's
 * module graph costs ~110 ms at start-up on these machines (bare node: ~140 ms),
 * which alone breaks the `ao session ls` budget. What ao needs is small: argv
 * (never a shell), cwd/env, stdin input, a timeout, and a typed error.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { CommandError } from "../core/errors.js";
import { collect, type CollectOptions, type Collected } from "./collect.js";

export type RunOptions = CollectOptions;

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return collect(file, args, opts).then(settle);
}

/** A finished process as run() reports it: its output when it exited 0 in time, else a CommandError. */
export function settle(c: Collected): RunResult {
  if (c.spawnError) throw new CommandError({ args: c.argv, exitCode: null, stdout: "", stderr: c.stderr, spawnErrorCode: c.spawnError });
  if (c.code === 0 && !c.timedOut) return { stdout: c.stdout, stderr: c.stderr, exitCode: 0 };
  throw new CommandError({ args: c.argv, exitCode: c.code ?? (c.signal ? 128 : null), stdout: c.stdout, stderr: c.stderr, timedOut: c.timedOut });
}

/**
 * Runs argv with this process's stdin, stdout and stderr (no shell) and resolves
 * to its exit code; a signal death is 128 + the signal number, as shells report it.
 */
export function runInherited(argv: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const [file, ...args] = argv;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file!, args, { cwd: opts.cwd, env: opts.env, stdio: "inherit" });
    child.on("error", (e: NodeJS.ErrnoException) => reject(new CommandError({ args: argv, exitCode: null, stdout: "", stderr: e.message, spawnErrorCode: e.code ?? "ERROR" })));
    child.on("close", (code, signal) => resolvePromise(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}
