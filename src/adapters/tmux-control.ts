/**
 * A tmux control-mode client (`tmux -C`, see CONTROL MODE in tmux(1)) kept open
 * by a long-running reader (the dash), so that a refresh asks tmux over a pipe
 * instead of starting a tmux process every second.
 *
 * Safety, since it shares the server with the user's agents:
 * - It sits in a session of its own (`ao-dash-client-PID`, running `cat`), never
 *   in an agent's or the user's: tmux gives a command run inside a session
 *   without -c (`tmux switch-client …` in a pane, ao's own switch from the dash)
 *   to the most recently active client OF THAT SESSION, and a client that asks
 *   every second would be that client. The session has destroy-unattached, so
 *   it goes when the client does.
 * - Its flags are read-only,ignore-size,no-output: it types nothing, does not
 *   change any window's size, and is sent no pane output.
 * - Only commands built by ao are written (the Tmux adapter quotes them with
 *   tmuxCommandString, which refuses a quote), one per line; the answers come
 *   back in order as %begin … %end blocks.
 * - Nothing waits on it forever: an answer that takes longer than `timeoutMs`,
 *   a block that ends in %error, or the client exiting (a dead server, its
 *   session killed, `attach -d` elsewhere) closes it, and the caller falls back
 *   to a tmux process.
 * - It dies with ao: closed by close(), and tmux's client exits by itself when
 *   its stdin closes, which is what happens when this process dies.
 * - It is started only while the server runs (the caller has just listed its
 *   sessions): new-session would otherwise start a server.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";

interface Pending {
  resolve(lines: string[]): void;
  reject(err: Error): void;
}

export class TmuxControlClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: Pending[] = [];
  /** The reply to new-session comes first, then destroy-unattached is set; commands are written once it is. */
  private ready: Promise<void>;
  private block?: { header: string; lines: string[] };
  private buffered = "";
  private closed = false;
  private readonly session: string;
  private attachedWaiter?: Pending;

  constructor(baseArgs: readonly string[], env: NodeJS.ProcessEnv, private readonly timeoutMs = 5000) {
    const session = `ao-dash-client-${process.pid}`;
    this.child = spawn(
      "tmux",
      [...baseArgs, "-C", "new-session", "-s", session, "-f", "read-only,ignore-size,no-output", "-x", "80", "-y", "24", "cat"],
      { env, stdio: "pipe" },
    );
    // Neither the client nor its pipes keep ao's event loop alive.
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { unref?: () => void }[]) s.unref?.();
    this.child.on("error", () => this.close());
    this.child.on("exit", () => this.close());
    this.child.stdin.on("error", () => this.close());
    this.child.stderr.resume();
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => this.read(chunk));
    const created = new Promise<string[]>((resolve, reject) => this.pending.push({ resolve, reject }));
    const attached = new Promise<void>((resolve, reject) => (this.attachedWaiter = { resolve: () => resolve(), reject }));
    // The option names its session exactly, and is set only once the client is in it: before
    // that, a command without -t would act on whichever session tmux thinks is current (an
    // agent's), and destroy-unattached there would end it.
    this.ready = Promise.all([created, attached])
      .then(() => this.send(`set-option -t '=${session}:' destroy-unattached on`))
      .then(() => undefined);
    this.session = session;
    this.ready.catch(() => undefined); // a client that never came up is reported to the command that waits on it
  }

  get alive(): boolean {
    return !this.closed;
  }

  /** The output lines of one tmux command line (one line, quoted by tmuxCommandString). Within timeoutMs, or the client is closed. */
  async run(command: string): Promise<string[]> {
    const timer = setTimeout(() => this.close(), this.timeoutMs);
    timer.unref();
    try {
      await this.ready;
      return await this.send(command);
    } finally {
      clearTimeout(timer);
    }
  }

  private send(command: string): Promise<string[]> {
    if (this.closed) return Promise.reject(new Error("tmux control client closed"));
    const answer = new Promise<string[]>((resolve, reject) => this.pending.push({ resolve, reject }));
    this.child.stdin.write(`${command}\n`);
    return answer;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pending.splice(0), ...(this.attachedWaiter ? [this.attachedWaiter] : [])]) p.reject(new Error("tmux control client closed"));
    this.child.stdin.destroy();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
  }

  private read(chunk: string): void {
    this.buffered += chunk;
    let nl: number;
    while ((nl = this.buffered.indexOf("\n")) !== -1) {
      const line = this.buffered.slice(0, nl);
      this.buffered = this.buffered.slice(nl + 1);
      this.line(line);
    }
  }

  /**
   * A block is "%begin TIME NUMBER FLAGS", output lines, then "%end" or "%error"
   * with the same three words: a line of output that merely starts with "%end"
   * does not end it. Outside a block, lines are notifications, not for ao.
   */
  private line(line: string): void {
    if (!this.block) {
      if (line.startsWith("%begin ")) this.block = { header: line.slice(7), lines: [] };
      else if (line === "%exit" || line.startsWith("%exit ")) this.close();
      // "%session-changed $ID NAME": the client is now in the session it created.
      else if (line.startsWith("%session-changed ") && line.slice(line.indexOf(" ", 17) + 1) === this.session) this.attachedWaiter?.resolve([]);
      return;
    }
    const { header, lines } = this.block;
    if (line === `%end ${header}` || line === `%error ${header}`) {
      this.block = undefined;
      const p = this.pending.shift();
      if (line.startsWith("%error")) {
        p?.reject(new Error(`tmux: ${lines.join("\n")}`));
        return this.close(); // not expected from ao's own commands: start afresh
      }
      p?.resolve(lines);
      return;
    }
    lines.push(line);
  }
}
