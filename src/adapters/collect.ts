/**
 * Runs a program (argv, never a shell) and collects what it printed and how it
 * ended, as plain data: no error classes, so that bin/ao.js's early start
 * (src/cli/startup.ts, a bundle of its own) and the CLI bundle that reads its
 * result agree on it. exec.ts turns a Collected into a result or a CommandError.
 */
import { spawn } from "node:child_process";

export interface CollectOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Kill the process (SIGTERM, then SIGKILL) after this many ms. */
  timeoutMs?: number;
  /** Let the child use this process's terminal (attach). Output is then not captured. */
  inheritStdio?: boolean;
  /** Aborting it kills the process (SIGTERM); the result then has spawnError "ABORT_ERR". */
  signal?: AbortSignal;
}

export interface Collected {
  argv: readonly string[];
  /** null when the process could not be started or was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The errno code (ENOENT…) when the process could not be started. */
  spawnError?: string;
}

export function collect(file: string, args: readonly string[], opts: CollectOptions = {}): Promise<Collected> {
  const argv = [file, ...args];
  return new Promise((resolvePromise) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      signal: opts.signal,
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
      resolvePromise({ argv, code: null, signal: null, stdout: "", stderr: e.message, timedOut, spawnError: e.code ?? "ERROR" });
    });
    child.on("exit", () => {
      // tmux hands its client's stdout and stderr to the server: a stopped (hung) server keeps them
      // open after the client is killed, and "close" would never come. The process is gone: stop reading.
      if (timedOut) for (const stream of [child.stdout, child.stderr]) stream?.destroy();
    });
    // A child on this process's terminal (a tmux client attached) must not outlive it: ended by a signal
    // through process.exit (the dash), this process takes the client with it, and the shell gets its terminal back.
    const orphan = () => child.kill("SIGTERM");
    if (opts.inheritStdio) process.once("exit", orphan);
    child.on("close", (code, signal) => {
      process.off("exit", orphan);
      done();
      resolvePromise({ argv, code, signal, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), timedOut });
    });
    if (child.stdin) {
      // A child that exits without reading its input must not crash us with EPIPE.
      child.stdin.on("error", () => undefined);
      child.stdin.end(opts.input);
    }
  });
}
