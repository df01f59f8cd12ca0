/**
 * A handle on one session, for scripts (seed 001's session object). Every
 * method goes through the orchestrator, so it behaves exactly like the CLI.
 *
 *   const s = ao.session("ma-int-7");
 *   const { output } = await s.send("Run the tests", { wait: { timeoutMs: 120_000 } });
 *   const stop = s.onEvent((e) => console.log(e.type));
 */
import type { Orchestrator } from "./orchestrator.js";
import type { SessionView } from "./plan.js";
import type { SessionEvent, SessionRecord } from "./record.js";
import type { Resumed } from "./pause.js";
import type { TurnResult } from "./wait.js";

export class SessionHandle {
  constructor(
    private readonly ao: Orchestrator,
    readonly name: string,
  ) {}

  /** Every recorded field, the live status and the PR. */
  info(): Promise<SessionView> {
    return this.ao.get(this.name);
  }

  /**
   * Sends a message; with `wait`, resolves once the turn is over, with its output.
   * Refuses while the agent asks a question unless `force`.
   */
  async send(text: string, opts: { wait?: boolean | { timeoutMs: number }; force?: boolean } = {}): Promise<TurnResult | undefined> {
    const wait = opts.wait === true ? { timeoutMs: 600_000 } : opts.wait || undefined;
    return (await this.ao.sendAndWait(this.name, text, wait, { force: opts.force })).turn;
  }

  events(opts: { limit?: number; after?: number } = {}): { events: SessionEvent[]; hasMore: boolean } {
    return this.ao.events(this.name, opts);
  }

  /** Calls `cb` for each new event until the returned function is called or the session ends. */
  onEvent(cb: (event: SessionEvent) => void, opts: { pollMs?: number } = {}): () => void {
    const stop = new AbortController();
    const after = this.ao.events(this.name).events.at(-1)?.id ?? 0;
    void (async () => {
      for await (const event of this.ao.followEvents(this.name, { after, signal: stop.signal, pollMs: opts.pollMs })) cb(event);
    })();
    return () => stop.abort();
  }

  abort(): Promise<SessionRecord> {
    return this.ao.abort(this.name);
  }

  /** `force`: send the keys even when the screen does not read as a question. */
  reply(answer: "once" | "always" | "reject", opts: { force?: boolean } = {}): Promise<SessionRecord> {
    return this.ao.reply(this.name, answer, opts);
  }

  /** Runs argv (no shell) in the worktree. */
  exec(argv: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    return this.ao.execCaptured(this.name, argv);
  }

  /** A file of the worktree; paths that leave it are refused. */
  readFile(path: string): string {
    return this.ao.readFile(this.name, path);
  }

  async transcript(): Promise<string> {
    return (await this.ao.transcript(this.name)).text;
  }

  update(change: { title?: string }): Promise<SessionRecord> {
    return this.ao.update(this.name, change);
  }

  pause(opts: { releaseWorktree?: boolean } = {}): Promise<SessionRecord> {
    return this.ao.pause(this.name, opts);
  }

  resume(): Promise<Resumed> {
    return this.ao.resume(this.name);
  }

  /** kill: refuses uncommitted work unless `force`, which saves it to a ref first. */
  async end(opts: { force?: boolean } = {}): Promise<{ savedRef?: string }> {
    const { savedRef } = await this.ao.kill(this.name, opts);
    return { savedRef };
  }
}
