/**
 * One command run again and again through a small resident `/bin/sh`, for a
 * view that lists every second (the dash: `tmux list-panes -a` once a second).
 *
 * Why: every child node starts is a fork of node itself, and copying its memory
 * map costs this process ~5-10 ms of CPU per child, more than the tmux client it
 * starts. A shell started once forks instead (cheaply: it is small) each time it
 * reads a line. At 200 sessions this halves the CPU of an idle dash.
 *
 * No string reaches the shell as code: its script is this constant, the argv
 * arrives as positional parameters and is only ever expanded as "$@", and the
 * end mark ($0) is ao's own word, printed by printf as data. The mark is no
 * secret (the shell's argv is in /proc): it only has to be a line the command
 * never starts one of its own lines with, and no line of `list-panes -F` output
 * starts with anything but a pane's pid.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { collect, type Collected } from "./collect.js";

/** For each line read: run "$@", then a line of the end mark and its exit status. */
const SCRIPT = 'while read -r _; do "$@" </dev/null; printf \'\\n%s %s\\n\' "$0" "$?"; done';

interface Pending {
  /** undefined: the shell is gone, run the command as a process of its own. */
  resolve(c: Collected | undefined): void;
  timer: NodeJS.Timeout;
}

export class ResidentCommand {
  private child?: ChildProcess;
  private readonly mark = `ao-end-${process.pid}-${Date.now().toString(36)}`;
  private out = "";
  private err = "";
  private pending?: Pending;
  /** Runs are one at a time: each waits for the one before. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly argv: readonly [string, ...string[]],
    private readonly opts: { env: NodeJS.ProcessEnv; timeoutMs: number },
  ) {}

  /** One run of the command, as collect() reports it. Falls back to a process of its own when the shell is not there. */
  run(): Promise<Collected> {
    const result = this.queue.then(() => this.once());
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Ends the shell (and the command it runs, if any). */
  close(): void {
    const child = this.child;
    this.child = undefined;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL"); // its process group: the shell and a command it runs
      } catch {
        // Gone already.
      }
    }
    this.finish(undefined);
  }

  private once(): Promise<Collected> {
    const child = this.child ?? this.start();
    if (!child.stdin?.writable) {
      this.close();
      return this.direct();
    }
    return new Promise<Collected | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        this.close();
        resolve({ argv: this.argv, code: null, signal: "SIGKILL", stdout: this.out, stderr: this.err, timedOut: true });
      }, this.opts.timeoutMs);
      this.pending = { resolve, timer };
      this.out = "";
      this.err = "";
      child.stdin!.write("\n");
    }).then((c) => c ?? this.direct());
  }

  /** The command as a process of its own, when the shell failed (it was killed, or could not start). */
  private direct(): Promise<Collected> {
    const [file, ...args] = this.argv;
    return collect(file, args, { env: this.opts.env, timeoutMs: this.opts.timeoutMs });
  }

  private start(): ChildProcess {
    // Its own process group (detached), so that close() ends a hung command with it.
    const child = spawn("/bin/sh", ["-c", SCRIPT, this.mark, ...this.argv], { env: this.opts.env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    child.on("error", () => this.child === child && this.close());
    child.on("exit", () => this.child === child && this.close());
    child.stdin!.on("error", () => undefined);
    child.stdout!.setEncoding("utf8");
    child.stderr!.setEncoding("utf8");
    // Output of a shell closed already (a run that timed out) is not the next run's.
    child.stdout!.on("data", (d: string) => this.child === child && this.onOut(d));
    child.stderr!.on("data", (d: string) => this.child === child && (this.err += d));
    // An idle shell does not keep node running; a run waiting for it does (its timer).
    child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void }).unref?.();
    this.child = child;
    return child;
  }

  private onOut(d: string): void {
    this.out += d;
    const end = this.out.lastIndexOf(`\n${this.mark} `);
    if (end === -1 || !this.out.endsWith("\n")) return;
    const status = Number(this.out.slice(end + this.mark.length + 2, -1));
    const stdout = this.out.slice(0, end);
    this.out = "";
    // The shell's own answers when the command could not be started: 127 not found, 126 not executable.
    const spawnError = status === 127 ? "ENOENT" : status === 126 ? "EACCES" : undefined;
    this.finish({ argv: this.argv, code: spawnError ? null : status, signal: null, stdout, stderr: this.err, timedOut: false, ...(spawnError ? { spawnError } : {}) });
  }

  /** Answers the run waiting (undefined: it is run as a process of its own). */
  private finish(c: Collected | undefined): void {
    const p = this.pending;
    this.pending = undefined;
    if (!p) return;
    clearTimeout(p.timer);
    p.resolve(c);
  }
}
