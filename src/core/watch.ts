/**
 * The `ao watch` loop (SPEC §4): timers, signals, I/O and the outbox. Every
 * decision is made by the pure core/watch-plan.ts; this file only looks and
 * carries out. A pass costs one `tmux list-panes` (plus one batched read of the
 * screens that changed) and, per repository and githubInterval, one GraphQL
 * request; messages go through the orchestrator's `send`, with all its checks
 * (never into a waiting agent or a dead pane, under the session's lock).
 *
 * Crash safety: the state (causes acted on, the outbox) is written before each
 * action. A message is marked `sending` before the send and removed after it,
 * so after a SIGKILL at any moment nothing is sent twice; a message caught
 * between the two is not sent again (at most once): the session's history says
 * whether it arrived (send's message_sent event), and if it cannot, the user is told.
 */
import { makeNotifier, type Notifier } from "../adapters/notify.js";
import type { Orchestrator } from "./orchestrator.js";
import { AoError, errorMessage } from "./errors.js";
import { sessionKey } from "./github-sync.js";
import { observeRecords } from "./observe.js";
import type { SessionView } from "./plan.js";
import { TERMINAL_STATUSES, type SessionRecord, type WatchEventType } from "./record.js";
import { tmuxOf } from "./runtime.js";
import { hashKey, questionLine, questionLines, oneLine } from "./watch-text.js";
import { askGitHub, failingLogs, type GitHubFlags } from "./watch-github.js";
import { decide, deliveries, logsWanted, recoverOutbox, type Action, type Outgoing } from "./watch-plan.js";
import { loadWatchState, memoryOf, prune, type WatchState } from "./watch-state.js";

export interface WatchEvent {
  at: string;
  /** A session event type (watch_*), or `warning` / `note` about watch itself. */
  type: WatchEventType | "warning" | "note";
  session?: string;
  project?: string;
  cause?: string;
  text: string;
}

export interface WatchOptions {
  project?: string;
  /** One pass, then return (cron). */
  once?: boolean;
  signal?: AbortSignal;
  onEvent?: (e: WatchEvent) => void;
}

/** Refused sends (the screen changed in between, a busy lock) before a message is given up. */
const MAX_ATTEMPTS = 5;

export async function runWatch(orch: Orchestrator, opts: WatchOptions): Promise<void> {
  const ctx = orch.ctx;
  const lock = ctx.store.tryJobLock("watch");
  if ("holder" in lock) throw new AoError(`ao watch is already running (pid ${lock.holder ?? "unknown"})`, { hint: "One ao watch per dataDir; stop that one first (kill -TERM PID)." });
  try {
    const w = new Watcher(orch, opts);
    w.recover();
    for (;;) {
      const started = Date.now();
      await w.pass();
      if (opts.once || opts.signal?.aborted) break;
      await sleep(Math.max(0, ctx.config.watch.intervalMs - (Date.now() - started)), opts.signal);
      if (opts.signal?.aborted) break;
    }
    await w.flush(opts.once ? 15_000 : 2_000);
  } finally {
    lock.release();
  }
}

/**
 * Sessions are watched "from anywhere" (SPEC §1): every session of the dataDir,
 * each with the config that created it (Orchestrator.ownerOf): its projects,
 * GitHub settings, reactions and notify targets. The loop's own settings
 * (interval) are this config's.
 */
class Watcher {
  private readonly state: WatchState;
  private readonly github: GitHubFlags;
  private saved = "";
  /** Each session's owner, as last seen by a pass; and each owner's notifier. */
  private readonly owners = new Map<string, Orchestrator>();
  private readonly notifiers = new Map<Orchestrator, Notifier>();
  private readonly noted = new Set<string>();

  constructor(private readonly orch: Orchestrator, private readonly opts: WatchOptions) {
    this.state = loadWatchState(orch.ctx.store);
    this.github = { once: opts.once === true, noToken: false };
  }

  private get ctx() {
    return this.orch.ctx;
  }

  private notifierOf(owner: Orchestrator): Notifier {
    let n = this.notifiers.get(owner);
    if (!n) this.notifiers.set(owner, (n = makeNotifier(owner.ctx.config.watch.notify, owner.ctx.env, (text) => this.emit({ type: "warning", text }))));
    return n;
  }

  async flush(timeoutMs: number): Promise<void> {
    await Promise.all([...this.notifiers.values()].map((n) => n.flush(timeoutMs)));
  }

  /** Messages a killed watch was in the middle of sending: never sent again; the user is told. */
  recover(): void {
    for (const [key, before] of Object.entries(this.state.sessions)) {
      const { memory, uncertain } = recoverOutbox(before);
      if (!uncertain.length) continue;
      this.state.sessions[key] = memory;
      this.save();
      const [project, name] = splitKey(key);
      for (const o of uncertain) {
        // send logs message_sent once the text is in: such an event after the mark says it arrived.
        const bytes = Buffer.byteLength(o.text);
        const arrived = o.sendingAfter !== undefined && this.ctx.store.events(project, name, o.sendingAfter).some((e) => e.type === "message_sent" && e.bytes === bytes);
        if (arrived) this.event({ project, name }, "watch_sent", o.cause, `${name}: the ${o.kind} message was sent (ao watch stopped just after sending it)`);
        else this.notify({ project, name }, o.cause, `${name}: a ${o.kind} message may not have reached the agent (ao watch stopped while sending it); it is not sent again`, "watch_dropped");
      }
    }
  }

  async pass(): Promise<void> {
    const projects = this.opts.project ? [this.opts.project] : this.ctx.store.projects();
    const all = this.ctx.store.list(projects).records;
    const groups = await this.orch.sessionsByOwner(all, { note: (text) => this.noteOnce(text) });
    const owned = [...groups].map(([owner, rs]) => [owner, rs.filter((r) => owner.ctx.config.projects[r.project])] as const);
    prune(this.state, new Set(owned.flatMap(([, rs]) => rs.filter((r) => !TERMINAL_STATUSES.has(r.status)).map(sessionKey))), projects);
    const decided: [SessionView, Action[]][] = [];
    const views: SessionView[] = [];
    this.notifierOf(this.orch); // made up front: a notifier says at once when it cannot work (no desktop notifier)
    for (const [owner, records] of owned) {
      this.notifierOf(owner);
      for (const r of records) this.owners.set(sessionKey(r), owner);
      views.push(...(await this.decideFor(owner, records.filter((r) => r.status === "working"), decided)));
    }
    this.save(); // the causes are recorded before anything is done about them
    for (const [v, actions] of decided) for (const a of actions) await this.act(v, a);
    for (const v of views) {
      if (this.opts.signal?.aborted) return;
      await this.deliver(v);
    }
  }

  private noteOnce(text: string): void {
    if (!this.noted.has(text)) this.emit({ type: "warning", text });
    this.noted.add(text);
  }

  /** Looks at one owner's live sessions (one list-panes per server; GitHub per repository) and decides what each needs. */
  private async decideFor(owner: Orchestrator, live: SessionRecord[], decided: [SessionView, Action[]][]): Promise<SessionView[]> {
    const ctx = owner.ctx;
    const screens = new Map<string, string>();
    const views = await observeRecords(ctx, live, () => true, { onScreen: (r, screen) => screens.set(sessionKey(r), screen) });
    await this.readQuestions(views, screens);
    const facts = await askGitHub(ctx, this.state, live, this.github, (e) => this.emit(e));
    this.save();
    for (const v of views) {
      const key = sessionKey(v);
      const before = memoryOf(this.state, key);
      const github = facts.get(key);
      const logs = await failingLogs(ctx, v, logsWanted(before, github, ctx.config.watch.reactions), this.github, (e) => this.emit(e));
      const screen = screens.get(key);
      const question = v.status === "waiting" && screen !== undefined ? { key: hashKey(questionLines(screen)), line: questionLine(screen) } : undefined;
      const seen = { name: v.name, issue: v.issue, defaultBranch: ctx.config.projects[v.project]!.defaultBranch, status: v.status, question, github, logs };
      const { memory, actions } = decide(before, seen, ctx.config.watch.reactions);
      this.state.sessions[key] = memory;
      decided.push([v, actions]);
    }
    return views;
  }

  /** A waiting screen whose question was not read this pass (ls read it first, or a restart): one batched read. */
  private async readQuestions(views: readonly SessionView[], screens: Map<string, string>): Promise<void> {
    const need = views.filter((v) => v.status === "waiting" && !screens.has(sessionKey(v)) && (memoryOf(this.state, sessionKey(v)).status !== "waiting" || !memoryOf(this.state, sessionKey(v)).question));
    for (const tmux of new Set(need.map((v) => tmuxOf(this.ctx, v)))) {
      const batch = need.filter((v) => tmuxOf(this.ctx, v) === tmux);
      const text = await tmux.captureScreens(batch.map((v) => v.tmuxSession)).catch(() => new Map<string, string>());
      for (const v of batch) if (text.has(v.tmuxSession)) screens.set(sessionKey(v), text.get(v.tmuxSession)!);
    }
  }

  private async act(v: SessionView, a: Action): Promise<void> {
    if (a.type === "detected") return void this.event(v, "watch_detected", a.cause, a.text);
    if (a.type === "queue") return void this.event(v, "watch_queued", a.cause, `${a.text}: message queued for the agent`);
    if (a.type === "notify") return this.notify(v, a.cause, a.text);
    try {
      if (a.type === "restore") await this.orch.restore(v.name);
      else {
        const report = await this.orch.cleanup({ project: v.project, names: [v.name] });
        const item = report.items.find((i) => i.name === v.name);
        if (report.busyPid !== undefined) throw new Error(`another cleanup is running (pid ${report.busyPid ?? "unknown"})`);
        if (item?.error) throw new Error(item.error);
        if (!item?.cleaned) throw new Error(item ? `cleanup left it alone: ${item.reason}` : "cleanup did not find it");
      }
      this.notify(v, a.cause, `${v.name}: ${a.type === "restore" ? "restored (ao session restore)" : "cleaned up (ao session cleanup)"}`, "watch_acted");
    } catch (err) {
      this.notify(v, a.cause, `${v.name}: ${a.type} failed: ${errorMessage(err).split("\n")[0]}`, "watch_acted");
    }
  }

  /** The outbox: the first message to an idle agent; ones held by a question are told about once. */
  private async deliver(v: SessionView): Promise<void> {
    const key = sessionKey(v);
    const memory = memoryOf(this.state, key);
    const { send, held } = deliveries(memory, v.status);
    if (held.length) {
      memory.outbox = memory.outbox.map((o) => (held.includes(o) ? { ...o, held: true } : o));
      this.save();
      for (const o of held) this.notify(v, o.cause, `${v.name} asks a question, so ao watch holds its ${o.kind} message until it is answered: ao session reply ${v.name} once|always|reject`);
    }
    if (!send) return;
    const update = (change: (o: Outgoing) => Outgoing | undefined) => {
      memory.outbox = memory.outbox.flatMap((o) => (o.cause === send.cause ? [change(o)].filter((x): x is Outgoing => !!x) : [o]));
      this.state.sessions[key] = memory;
      this.save();
    };
    const sendingAfter = this.ctx.store.events(v.project, v.name).at(-1)?.id ?? 0;
    update((o) => ({ ...o, state: "sending", sendingAfter }));
    this.ctx.crashPoint("watch-sending");
    try {
      await this.orch.send(v.name, send.text);
      this.ctx.crashPoint("watch-sent");
      update(() => undefined);
      this.event(v, "watch_sent", send.cause, `${v.name}: sent the ${send.kind} message (${Buffer.byteLength(send.text)} bytes)`);
    } catch (err) {
      // send refuses before it types anything (a question appeared, leftover text, a busy lock, a dead pane).
      const refused = err instanceof AoError;
      const attempts = (send.attempts ?? 0) + 1;
      if (refused && attempts < MAX_ATTEMPTS) {
        update((o) => ({ ...o, state: "queued", attempts }));
        this.emit({ type: "warning", session: v.name, project: v.project, cause: send.cause, text: `${v.name}: not sent yet (${oneLine(errorMessage(err))}); ao watch tries again` });
        return;
      }
      update(() => undefined);
      this.notify(v, send.cause, `${v.name}: the ${send.kind} message was not sent (${oneLine(errorMessage(err))}); ao watch gives up on it`, "watch_dropped");
    }
  }

  private notify(v: { project: string; name: string }, cause: string, text: string, type: WatchEventType = "watch_notified"): void {
    const e = this.event(v, type, cause, text);
    this.notifierOf(this.owners.get(sessionKey(v)) ?? this.orch).send(text, e as unknown as Record<string, unknown>);
  }

  private event(v: { project: string; name: string }, type: WatchEventType, cause: string, text: string): WatchEvent {
    try {
      this.ctx.store.appendEvent(v.project, v.name, type, { cause, text });
    } catch (err) {
      this.emit({ type: "warning", text: `could not log an event for ${v.name} (${errorMessage(err)})` });
    }
    return this.emit({ type, session: v.name, project: v.project, cause, text });
  }

  private emit(e: Omit<WatchEvent, "at">): WatchEvent {
    const event = { at: new Date(this.ctx.now()).toISOString(), ...e };
    this.opts.onEvent?.(event);
    return event;
  }

  /** Written (durably) only when something changed: a quiet pass costs no disk write. */
  private save(): void {
    const text = JSON.stringify(this.state);
    if (text === this.saved) return;
    this.ctx.store.writeWatchState(this.state);
    this.saved = text;
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
