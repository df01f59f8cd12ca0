/**
 * The one process runner. Built on node:child_process rather than execa: execa's
 * module graph costs ~110 ms at start-up on these machines (bare node: ~140 ms),
 * which alone breaks the `ao session ls` budget. What ao needs is small: argv
 * (never a shell), cwd/env, stdin input, a timeout, and a typed error.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";
import { CommandError } from "../core/errors.js";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Kill the process (SIGTERM, then SIGKILL) after this many ms. */
  timeoutMs?: number;
  /** Let the child use this process's terminal (attach). Output is then not captured. */
  inheritStdio?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const argv = [file, ...args];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: opts.inheritStdio ? "inherit" : [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill("SIGTERM");
            killTimer = setTimeout(() => child.kill("SIGKILL"), 2_000);
          }, opts.timeoutMs);
    const done = () => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
    };
    child.on("error", (e: NodeJS.ErrnoException) => {
      done();
      reject(new CommandError({ args: argv, exitCode: null, stdout: "", stderr: e.message, spawnErrorCode: e.code ?? "ERROR" }));
    });
    child.on("close", (code, signal) => {
      done();
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0 && !timedOut) resolvePromise({ stdout, stderr, exitCode: 0 });
      else reject(new CommandError({ args: argv, exitCode: code ?? (signal ? 128 : null), stdout, stderr, timedOut }));
    });
    if (child.stdin) {
      // A child that exits without reading its input must not crash us with EPIPE.
      child.stdin.on("error", () => undefined);
      child.stdin.end(opts.input);
    }
  });
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
