/**
 * The orchestrator: what a script or the CLI can do with sessions. It reads
 * records, observes tmux once per call, and changes records under their lock.
 */
import { isAbsolute, join, resolve as resolvePath, sep } from "node:path";
import type { RecordError } from "../adapters/store.js";
import { SessionHandle } from "./handle.js";
import type { Context, Reporter } from "./context.js";
import { AoError, CommandError, ConfigError, errorMessage, NoConfigError, UnsavedWorkError, UsageError } from "./errors.js";
import { checkMessage } from "./message.js";
import { byProjectAndName, cleanTitle, matchSession } from "./naming.js";
import { IDLE_AFTER_MS, matchesFilter, type ListFilter, type SessionView } from "./plan.js";
import { observeRecords } from "./observe.js";
import { classifyScreen, hasPatterns } from "./screen.js";
import { sessionKey, TERMINAL_STATUSES, type SessionEvent, type SessionRecord } from "./record.js";
import type { CleanupReport } from "./cleanup.js";
import type { Resumed } from "./pause.js";
import type { TurnResult } from "./wait.js";
import type { WatchOptions } from "./watch.js";
import type { Finding } from "./doctor.js";
import type { SpawnOptions, SpawnResult } from "./spawn.js";
import { agentOrThrow, projectOrThrow } from "./lookup.js";
import { pressKeys, readyForInput } from "./input.js";
import { runtimeStates, tmuxOf, type EarlierListing } from "./runtime.js";
import { WatchFeed } from "./watch-feed.js";
import { PaneDeadError, type PaneSnapshot, type SessionState, type Tmux } from "../adapters/tmux.js";

// What only some commands need is imported when they run: `ls` and `send` load
// neither spawn, cleanup, pause, doctor, worktree removal, transcripts nor GitHub's code.
const spawnCode = () => import("./spawn.js");
const workspaceCode = () => import("./workspace.js");
const transcriptCode = () => import("./transcript.js");

export interface ListResult {
  sessions: SessionView[];
  /** Records that could not be read; the listing goes on without them. */
  errors: RecordError[];
}

/** What a listing is made of, for comparing it with the last one (Orchestrator.list while keepWarm is on). */
interface ListingInputs {
  filter: string;
  records: readonly SessionRecord[];
  errors: readonly RecordError[];
  heads: string;
  /** The projects of the last listing's live sessions, and their observed.json (Store.readObserved). */
  projects: readonly string[];
  observed: readonly unknown[];
  now: number;
}

interface ListingMemo extends ListingInputs {
  states: ReadonlyMap<string, SessionState>;
  /** When the first idle window of a view ends (Unix ms): from then, a listing is made again. */
  until: number;
  sessions: readonly SessionView[];
}

const sameItems = (a: readonly unknown[], b: readonly unknown[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export interface KillResult {
  session: SessionRecord;
  savedRef?: string;
  /** Nested repositories saved with the work (their .git kept as <dir>/.ao-git). */
  nested?: string[];
  recover?: string;
}

/** The last event an ending writes, and how long followEvents waits for it after the record says ended. */
const ENDING_EVENTS: ReadonlySet<SessionEvent["type"]> = new Set(["killed", "cleaned"]);
const ENDING_GRACE_MS = 2_000;


export class Orchestrator {
  /** The orchestrators of other configs that sessions recorded, by config path (see ownerOf). */
  private readonly owners = new Map<string, Promise<Orchestrator>>();

  constructor(readonly ctx: Context) {}

  get config() {
    return this.ctx.config;
  }

  /**
   * The orchestrator of the config that created `record` (SPEC §1 "From
   * anywhere"): a session listed from cron's $HOME, another repository or under
   * a shared dataDir is acted on with its own projects, agents and GitHub
   * settings. This one when the record names this config (or no config: records
   * from before the field), or when the recorded file is gone and this config
   * defines the project; otherwise one over the recorded config, on this dataDir
   * and the same tmux servers, whose trust is checked as usual.
   */
  async ownerOf(record: SessionRecord): Promise<Orchestrator> {
    const path = record.configPath;
    if (!path || path === this.config.path) return this;
    // ao records absolute paths only; anything else (a damaged or edited record) names no usable config.
    if (!this.owners.has(path) && (!isAbsolute(path) || !this.ctx.files.exists(path))) {
      if (this.config.projects[record.project]) return this;
      throw new ConfigError(`Config file not found: ${path} (recorded by session ${record.name})`, { hint: `Pass --config PATH of a config that defines project ${record.project}.` });
    }
    let owner = this.owners.get(path);
    if (!owner) this.owners.set(path, (owner = this.ctx.contextOf(path).then((ctx) => new Orchestrator(ctx))));
    return owner;
  }

  /** The owner of the session `query` names, when it is not this orchestrator. */
  private async routed(query: string): Promise<Orchestrator | undefined> {
    const owner = await this.ownerOf(this.resolve(query));
    return owner === this ? undefined : owner;
  }

  /** Records grouped by the orchestrator that owns them; a record whose config cannot be opened stays with this one and its reason is noted once. */
  async sessionsByOwner(records: readonly SessionRecord[], report: Reporter = {}): Promise<Map<Orchestrator, SessionRecord[]>> {
    const groups = new Map<Orchestrator, SessionRecord[]>();
    const noted = new Set<string>();
    for (const r of records) {
      let owner: Orchestrator = this;
      try {
        // Most records name this config: no await (a turn of the event loop each) for them.
        if (r.configPath && r.configPath !== this.config.path) owner = await this.ownerOf(r);
      } catch (err) {
        const why = errorMessage(err).split("\n")[0]!;
        if (!noted.has(why)) report.note?.(`${why}; its sessions are shown with what this config knows.`);
        noted.add(why);
      }
      const group = groups.get(owner);
      if (group) group.push(r);
      else groups.set(owner, [r]);
    }
    return groups;
  }

  /**
   * The tmux state of every live session of `groups`, by sessionKey: one
   * list-panes per server for all of them, whichever config each has (a record
   * from before `tmuxSocket` is on its own config's server).
   */
  private async runtimeOf(groups: ReadonlyMap<Orchestrator, readonly SessionRecord[]>, started?: ReadonlyMap<Tmux, EarlierListing>): Promise<Map<string, SessionState | undefined>> {
    const live = [...groups].flatMap(([owner, rs]) => rs.filter((r) => !TERMINAL_STATUSES.has(r.status)).map((r) => ({ ...r, tmuxSocket: tmuxOf(owner.ctx, r).socketPath })));
    const state = await runtimeStates(this.ctx, live, started);
    return new Map(live.map((r) => [sessionKey(r), state(r)]));
  }

  /** A project this config defines, or one whose sessions are in this dataDir (each acted on with its own config). */
  private knownProject(id: string): void {
    if (this.config.projects[id] || this.ctx.store.list([id]).records.length) return;
    projectOrThrow(this.ctx, id);
  }

  /**
   * Every session, observed with ONE tmux call and no git process. With
   * `github: "refresh"`, cached PR/issue state older than github.cacheTtl is
   * refreshed in one request per repository; on failure the cache is shown.
   */
  async list(filter: ListFilter = {}, opts: { github?: "refresh" | "offline" } = {}, report: Reporter = {}): Promise<ListResult> {
    if (filter.project) this.knownProject(filter.project);
    // tmux answers while ao reads the records: the configured server (where sessions are, unless the
    // socket setting changed) is asked first. Unused when no record is live there.
    const started = this.config.missing || !this.ctx.store.hasSessions() ? undefined : new Map([[this.ctx.tmux, this.ctx.tmux.startListing()]]);
    started?.forEach((listing) => listing.states.catch(() => undefined)); // a failure is reported where it is awaited
    const listed = this.ctx.store.list(filter.project ? [filter.project] : undefined);
    const { errors } = listed;
    // What this listing is made of, taken before anything is read (a change meanwhile makes the next one differ).
    const inputs = started && opts.github !== "refresh" ? this.listingInputs(filter, listed) : undefined;
    const same = inputs && (await this.sameListing(inputs, started!));
    if (same) return { sessions: [...same.sessions], errors };
    const groups = await this.sessionsByOwner(listed.records, report);
    // Each live worktree's branch (its HEAD file) is read while tmux answers too: at 200 sessions those
    // reads were ~5 ms after tmux's answer, with nothing left to do while waiting for it.
    const heads = new Map<string, string | undefined>();
    // A worktree released by pause is gone: its recorded branch is shown (it comes back with resume).
    for (const [owner, group] of groups) for (const r of group) if (!TERMINAL_STATUSES.has(r.status)) heads.set(sessionKey(r), r.released ? undefined : owner.ctx.readHeadBranch(r.workspacePath, r.gitDir));
    const state = await this.runtimeOf(groups, started);
    const views: SessionView[] = [];
    let unsettled = false;
    for (const [owner, group] of groups) {
      const records = opts.github === "refresh" ? await owner.refreshGitHub(group, report) : group;
      views.push(...(await observeRecords(owner.ctx, records, (r) => this.spawnerAlive(r), { runtime: (r) => state.get(sessionKey(r)), branch: (r) => (heads.has(sessionKey(r)) ? heads.get(sessionKey(r)) : owner.ctx.readHeadBranch(r.workspacePath, r.gitDir)), unsettled: () => (unsettled = true) })));
    }
    const sessions = byProjectAndName(views.filter((v) => matchesFilter(v, filter)));
    // A copy: the caller may sort or splice the array it is given.
    this.lastListing = inputs && !unsettled ? await this.listingMemo(inputs, listed.records, views, [...sessions], state, started!) : undefined;
    return { sessions, errors };
  }

  /**
   * While keepWarm is on (the dash lists every second): what the last listing was made of and what it
   * gave. A listing made of the same inputs would make every view again as the one before (ViewMemo),
   * so it is given again without looking at each session. Unset whenever that cannot be vouched for.
   */
  private lastListing?: ListingMemo;

  /** The inputs of a listing that can be compared (keepWarm only); the projects' observed.json as the last listing's. */
  private listingInputs(filter: ListFilter, listed: { records: SessionRecord[]; errors: RecordError[] }): ListingInputs | undefined {
    const heads = this.ctx.headsGeneration?.();
    if (!this.ctx.viewMemo?.() || heads === undefined) return undefined;
    const projects = this.lastListing?.projects ?? [];
    return { filter: JSON.stringify([filter.project, filter.status, filter.agent, filter.all]), ...listed, heads, projects, observed: projects.map((p) => this.ctx.store.readObserved(p)), now: this.ctx.now() };
  }

  /**
   * Whether every view would be the one the last listing made: the same record objects (Store keeps
   * them while their files are unchanged) and damaged files, the same map from tmux (Tmux gives the
   * same one for the same output), no HEAD changed, no observed.json rewritten, and no idle window
   * ended since: then that listing, else undefined. It is the one compared, whatever another listing
   * running meanwhile (the dash after an action) leaves in lastListing.
   */
  private async sameListing(now: ListingInputs, started: ReadonlyMap<Tmux, EarlierListing>): Promise<ListingMemo | undefined> {
    const last = this.lastListing;
    if (!last || last.filter !== now.filter || last.heads !== now.heads || now.now >= last.until || now.now < last.now) return undefined;
    if (!sameItems(last.records, now.records) || !sameItems(last.errors, now.errors) || last.projects !== now.projects || !sameItems(last.observed, now.observed)) return undefined;
    // The listing may not need that server (no live session on it): its failure is only a miss here.
    return (await started.get(this.ctx.tmux)!.states.catch(() => undefined)) === last.states ? last : undefined;
  }

  /**
   * The memo of a listing just made, or undefined where a listing made of the same inputs could differ:
   * a record of another config or tmux server, a session being spawned (its ao process may end), a
   * live session tmux was asked about again (core/runtime.ts), or (observed.json) read after the inputs.
   */
  private async listingMemo(inputs: ListingInputs, records: readonly SessionRecord[], views: readonly SessionView[], sessions: SessionView[], state: ReadonlyMap<string, SessionState | undefined>, started: ReadonlyMap<Tmux, EarlierListing>): Promise<ListingMemo | undefined> {
    if (records.some((r) => (r.configPath && r.configPath !== this.config.path) || r.status === "spawning" || (!TERMINAL_STATUSES.has(r.status) && tmuxOf(this.ctx, r) !== this.ctx.tmux))) return undefined;
    // Not awaited by the listing when no live session is on that server: its failure only means no memo.
    const first = await started.get(this.ctx.tmux)!.states.catch(() => undefined);
    if (!first) return undefined;
    const projects = new Set<string>();
    for (const r of records) {
      if (TERMINAL_STATUSES.has(r.status)) continue;
      if (state.get(sessionKey(r)) !== first.get(r.tmuxSession)) return undefined;
      projects.add(r.project);
    }
    // The inputs hold the observed.json of the last listing's projects: a memo only where those are these.
    if (inputs.projects.length !== projects.size || inputs.projects.some((p) => !projects.has(p))) return { ...inputs, projects: [...projects], observed: [], states: first, until: -Infinity, sessions };
    // A view's status depends on the time only through its idle window (core/plan.ts): the first to end.
    let until = Infinity;
    for (const v of views) {
      const ends = Date.parse(v.lastActivityAt) + IDLE_AFTER_MS;
      if (ends >= inputs.now && ends < until) until = ends;
    }
    return { ...inputs, states: first, until, sessions };
  }

  /** Checks everything ao depends on; `fix` applies only fixes that cannot lose work. */
  async doctor(opts: { fix?: boolean } = {}): Promise<Finding[]> {
    if (this.config.missing) throw new NoConfigError(this.config.missing.hint);
    const { doctor } = await import("./doctor.js");
    return doctor(this.ctx, {
      kill: (name) => this.kill(name, { force: true }),
      pause: (name, releaseWorktree) => this.pause(name, { releaseWorktree }),
      resume: (name) => this.resume(name),
    }, opts);
  }

  /** Ends finished sessions (SPEC §4 cleanup); see core/cleanup.ts. */
  async cleanup(opts: { project?: string; dryRun?: boolean; names?: readonly string[] } = {}, report?: Reporter): Promise<CleanupReport> {
    if (opts.project) this.knownProject(opts.project);
    // Each config decides about the projects it created sessions for; a run with no config has none of its own.
    const records = this.ctx.store.list(opts.project ? [opts.project] : undefined).records;
    const mine = this.config.missing ? [] : opts.project ? [opts.project].filter((p) => this.config.projects[p]) : Object.keys(this.config.projects);
    const parts = new Map<Orchestrator, Set<string>>([[this, new Set(mine)]]);
    for (const [owner, group] of await this.sessionsByOwner(records.filter((r) => !TERMINAL_STATUSES.has(r.status)), report)) {
      const projects = parts.get(owner) ?? new Set<string>();
      for (const r of group) if (owner.config.projects[r.project]) projects.add(r.project);
      parts.set(owner, projects);
    }
    const whole: CleanupReport = { dryRun: opts.dryRun === true, items: [], warnings: [] };
    for (const [owner, projects] of parts) {
      if (!projects.size) continue;
      const part = await (await import("./cleanup.js")).cleanup(owner.ctx, { projects: [...projects], dryRun: opts.dryRun, names: opts.names }, report);
      if (part.busyPid !== undefined) return part;
      whole.items.push(...part.items);
      whole.warnings.push(...part.warnings);
    }
    return { ...whole, items: byProjectAndName(whole.items) };
  }

  /**
   * Refreshes the cached PR/issue state the way `ls` does (only what is older than
   * github.cacheTtl, one request per repository), without observing tmux: for a
   * long-running view (the dash) that lists offline every second and refreshes
   * GitHub in the background.
   */
  async refreshGitHubCache(report: Reporter = {}): Promise<void> {
    await this.refreshGitHub(this.ctx.store.list().records, report);
  }

  /** The visible screen of a listed session (one capture-pane): the dash's preview. */
  async screen(view: Pick<SessionRecord, "tmuxSession" | "tmuxSocket">): Promise<string> {
    return tmuxOf(this.ctx, view).capture(view.tmuxSession);
  }

  /**
   * For a long-running view that lists every second (the dash): records and
   * worktree HEADs are read again only when their files changed (Context.keepWarm).
   * Call the returned function when done.
   */
  keepWarm(): () => void {
    this.ctx.keepWarm(true);
    return () => this.ctx.keepWarm(false);
  }

  /** A reader of what `ao watch` said about the sessions, for a long-running view. */
  watchFeed(): WatchFeed {
    return new WatchFeed(this.ctx.store);
  }

  private async refreshGitHub(records: SessionRecord[], report: Reporter): Promise<SessionRecord[]> {
    const now = this.ctx.now();
    const live = records.filter((r) => !TERMINAL_STATUSES.has(r.status) && this.ctx.config.projects[r.project]?.repo);
    const staleProjects = new Set(live.filter((r) => !r.checkedAt || now - Date.parse(r.checkedAt) >= this.ctx.config.githubCacheTtlMs).map((r) => r.project));
    if (staleProjects.size === 0) return records;
    const { askGitHub, saveAnswers, withAnswer } = await import("./github-sync.js");
    const ask = live.filter((r) => staleProjects.has(r.project));
    const { answers, failed, sessionFailed } = await askGitHub(this.ctx, ask, { purpose: "list" }, report);
    const cached = (project?: string) => ask.some((r) => r.checkedAt && (!project || r.project === project));
    for (const [project, why] of failed) report.note?.(`GitHub state not refreshed (${why}); ${cached(project) ? "showing the cached state" : "no cached state yet"}.`);
    for (const why of new Set(sessionFailed.values())) report.note?.(`GitHub state not refreshed (${why}); ${cached() ? "showing the cached state" : "no cached state yet"}.`);
    await saveAnswers(this.ctx, ask, answers);
    return records.map((r) => {
      const answer = answers.get(sessionKey(r));
      return answer ? withAnswer(r, answer, now).record : r;
    });
  }

  /** One session by exact name or unique prefix, observed live. */
  async get(query: string): Promise<SessionView> {
    const owner = await this.routed(query);
    if (owner) return owner.get(query);
    const [view] = await observeRecords(this.ctx, [this.resolve(query)], (r) => this.spawnerAlive(r));
    return view!;
  }

  /** For a `spawning` record: is the ao process that is creating it still there? */
  private spawnerAlive(r: SessionRecord): boolean {
    return r.status !== "spawning" || (r.spawnPid !== undefined && this.ctx.processAlive(r.spawnPid));
  }

  /** Exact name, else unique prefix; ambiguity, absence and a damaged record of that name are errors. */
  resolve(query: string): SessionRecord {
    // An exact name reads its own record only; a prefix needs them all.
    const exact = this.ctx.store.named(query);
    const { records, errors } = exact && (exact.records.length > 0 || exact.errors.length > 0) ? exact : this.ctx.store.list();
    const found = matchSession(query, records, errors);
    if (!found) throw new AoError("Session not found", { hint: "Run 'ao session ls --all' to see the sessions." });
    return found;
  }

  async spawn(opts: SpawnOptions, report?: Reporter): Promise<SpawnResult> {
    return (await spawnCode()).spawnSession(this.ctx, opts, report);
  }

  /**
   * Delivers `text` as one input (bracketed paste), then Enter. Refuses while the
   * agent asks a question (`force` sends anyway) and clears leftover text in its
   * input box first (core/input.ts).
   */
  async send(query: string, text: string, opts: { force?: boolean } = {}): Promise<SessionRecord> {
    return (await this.sendAndWait(query, text, undefined, opts)).session;
  }

  /**
   * Sends, and with `wait` returns once the agent has finished its turn (see
   * core/wait.ts), with the output the message produced. A timeout is an AoError
   * with exit code 124.
   */
  async sendAndWait(query: string, text: string, wait?: { timeoutMs: number }, opts: { force?: boolean } = {}): Promise<{ session: SessionRecord; turn?: TurnResult }> {
    checkMessage(text);
    const owner = await this.routed(query);
    if (owner) return owner.sendAndWait(query, text, wait, opts);
    const bytes = Buffer.byteLength(text);
    const record = this.resolve(query);
    const agent = agentOrThrow(this.ctx, record.agent);
    requireLive(record);
    const tmux = tmuxOf(this.ctx, record);
    // Under the session's lock: concurrent sends arrive one after the other, each
    // whole, and nothing else types between the screen check and the paste.
    const { session, waiter } = await this.ctx.store.withLock(record.project, record.name, async () => {
      const current = this.ctx.store.read(record.project, record.name) ?? record;
      if (current.status !== record.status) requireLive(current);
      // Whether it runs and what its screen says, from one tmux process: the screen check below reads it.
      const snapshot = await runningSnapshot(tmux, current);
      // The record is written first: on a full or read-only disk the send fails before anything reaches the agent.
      // Not fsynced: it moves only the activity times (a crash loses a timestamp, never a message).
      const session: SessionRecord = { ...current, lastActivityAt: new Date(this.ctx.now()).toISOString(), updatedAt: new Date(this.ctx.now()).toISOString() };
      this.ctx.store.write(session, { durable: false });
      const waiter = wait ? await (await import("./wait.js")).prepareWait(this.ctx, tmux, record.tmuxSession, agent) : undefined;
      // The screen check comes right before the paste: with --wait, prepareWait's tmux call came between, so it reads again.
      await readyForInput(tmux, record.tmuxSession, agent, { ...opts, snapshot: waiter ? undefined : snapshot });
      await tmux.paste(record.tmuxSession, text);
      this.ctx.store.appendEvent(record.project, record.name, "message_sent", { bytes, ...(opts.force ? { forced: true } : {}) });
      return { session, waiter };
    });
    return { session, turn: waiter && wait ? await waiter(wait.timeoutMs) : undefined };
  }

  /**
   * Kills the tmux session and removes the worktree. Uncommitted or untracked
   * work makes it refuse; with `force` that work is saved to a ref first.
   */
  async kill(query: string, opts: { force?: boolean } = {}): Promise<KillResult> {
    const owner = await this.routed(query);
    if (owner) return owner.kill(query, opts);
    const record = this.resolve(query);
    const project = projectOrThrow(this.ctx, record.project);
    const { checkOwnWorktree, describeWork, endSession, inspectWork, recoverHint } = await workspaceCode();
    return this.ctx.store.withLock(record.project, record.name, async () => {
      const current = this.ctx.store.read(record.project, record.name) ?? record;
      if (TERMINAL_STATUSES.has(current.status)) throw new AoError(`Session ${record.name} is already ${current.status}`, { hint: current.endedReason ? `It ended: ${current.endedReason}.` : undefined });
      if (current.status === "spawning" && this.spawnerAlive(current) && current.spawnPid !== process.pid) {
        throw new AoError(`Session ${record.name} is still being created by ao process ${current.spawnPid}`, { hint: "Wait for that spawn to finish or fail, then try again." });
      }
      const hasWorktree = this.ctx.files.exists(current.workspacePath);
      if (hasWorktree) await checkOwnWorktree(this.ctx, project.path, current);
      // An ending a crash interrupted (its record says so) is finished the way it was started.
      const resuming = current.pending?.op === "kill" || current.pending?.op === "cleanup" || current.pending?.op === "spawn";
      if (hasWorktree && !opts.force && !resuming && this.ctx.files.exists(join(current.workspacePath, ".git"))) {
        const work = await inspectWork(this.ctx, current.workspacePath);
        if (work.needsSave) {
          throw new UnsavedWorkError(describeWork(current.workspacePath, work), `Commit or stash them, or run 'ao session kill ${record.name} --force' to save them to a git ref first.`);
        }
      }
      const pending = resuming ? current.pending : undefined;
      const end = pending?.op === "cleanup" && pending.status ? { op: "cleanup" as const, status: pending.status, reason: pending.reason } : { op: "kill" as const, status: "killed" as const };
      const { record: next, savedRef, nested } = await endSession(this.ctx, project.path, current, end);
      this.ctx.store.appendEvent(record.project, record.name, end.op === "cleanup" ? "cleaned" : "killed", end.op === "cleanup" ? { reason: end.reason, ...(savedRef ? { savedRef } : {}) } : { from: current.status });
      return { session: next, savedRef, nested, recover: savedRef ? recoverHint(savedRef, nested) : undefined };
    });
  }

  /** Recreates the tmux session in the existing worktree with the agent's resume command. */
  async restore(query: string): Promise<SessionRecord> {
    const owner = await this.routed(query);
    if (owner) return owner.restore(query);
    const record = this.resolve(query);
    const agent = agentOrThrow(this.ctx, record.agent);
    const { startAgent } = await spawnCode();
    return this.ctx.store.withLock(record.project, record.name, async () => {
      const current = this.ctx.store.read(record.project, record.name) ?? record;
      if (current.status === "paused") throw new AoError(`Session ${current.name} is paused`, { hint: `Resume it: ao session resume ${current.name}` });
      // On the server the session was started on, whatever this shell's AO_TMUX_SOCKET says.
      const tmux = tmuxOf(this.ctx, current);
      const state = (await tmux.listSessions()).get(current.tmuxSession);
      if (state?.alive && !TERMINAL_STATUSES.has(current.status)) throw new AoError("Cannot restore: Session is still running", { bare: true, hint: `See it with: ao session attach ${current.name}` });
      if (!this.ctx.files.exists(current.workspacePath)) throw new AoError(`Workspace missing: ${current.workspacePath}`, { bare: true, hint: `Create a new session: ao spawn ${current.project}${current.issue ? ` ${current.issue}` : ""}` });
      // A tmux session whose agent exited is still there (remain-on-exit): replace it.
      if (state) await tmux.killSession(current.tmuxSession);
      const tmuxSocket = await startAgent(this.ctx, current, agent.resumeCommand ?? agent.command, "restored");
      const now = new Date(this.ctx.now()).toISOString();
      const next: SessionRecord = { ...current, tmuxSocket, status: "working", updatedAt: now, lastActivityAt: now };
      delete next.spawnPid;
      // Restoring abandons an interrupted kill or cleanup; a save it made stays named.
      if (next.pending?.ref && (await this.ctx.git.refExists(current.workspacePath, next.pending.ref))) next.savedRefs = [...new Set([...(next.savedRefs ?? []), next.pending.ref])];
      delete next.pending;
      this.ctx.store.write(next);
      this.ctx.store.appendEvent(current.project, current.name, "restored", { from: current.status });
      return { ...next, branch: this.ctx.readHeadBranch(next.workspacePath) ?? next.branch };
    });
  }

  /**
   * After a reboot or a dead tmux server: restores every session whose record says
   * it runs but whose runtime is gone. Failures come back per session.
   */
  async restoreAll(): Promise<{ name: string; restored?: SessionRecord; error?: string }[]> {
    // Every session of this dataDir, each with its own config (ownerOf).
    const working = this.ctx.store.list().records.filter((r) => r.status === "working");
    const runtime = await this.runtimeOf(await this.sessionsByOwner(working));
    const dead = byProjectAndName(working.filter((r) => !runtime.get(sessionKey(r))?.alive));
    const results: { name: string; restored?: SessionRecord; error?: string }[] = [];
    for (const r of dead) {
      try {
        results.push({ name: r.name, restored: await this.restore(r.name) });
      } catch (err) {
        results.push({ name: r.name, error: err instanceof Error ? err.message.split("\n")[0] : String(err) });
      }
    }
    return results;
  }

  /** Stops the agent and frees its tmux session; `releaseWorktree` also frees the branch (work saved to a ref). */
  async pause(query: string, opts: { releaseWorktree?: boolean } = {}): Promise<SessionRecord> {
    const owner = await this.routed(query);
    if (owner) return owner.pause(query, opts);
    const { pauseSession } = await import("./pause.js");
    return pauseSession(this.ctx, this.resolve(query), opts);
  }

  /** Warm when the tmux session is still alive, cold (relaunch, worktree re-created if released) otherwise. */
  async resume(query: string): Promise<Resumed> {
    const owner = await this.routed(query);
    if (owner) return owner.resume(query);
    const { resumeSession } = await import("./pause.js");
    return resumeSession(this.ctx, this.resolve(query));
  }

  /** Answers the agent's permission prompt with the keys its agent defines. */
  async reply(query: string, answer: "once" | "always" | "reject", opts: { force?: boolean } = {}): Promise<SessionRecord> {
    return this.pressKeys(query, answer, "replied", "answer a permission prompt", opts.force);
  }

  /** Interrupts the agent's current turn (Esc or Ctrl-C, per agent). */
  async abort(query: string): Promise<SessionRecord> {
    return this.pressKeys(query, "abort", "aborted", "interrupt a turn");
  }

  private async pressKeys(query: string, which: "once" | "always" | "reject" | "abort", event: "replied" | "aborted", what: string, force = false): Promise<SessionRecord> {
    const owner = await this.routed(query);
    if (owner) return owner.pressKeys(query, which, event, what, force);
    const record = this.resolve(query);
    const agent = agentOrThrow(this.ctx, record.agent);
    const keys = agent.keys[which];
    if (!keys?.length) {
      throw new AoError(`The ${agent.name} agent does not define how to ${what} (${which})`, { hint: `Set agents.${agent.name}.keys.${which} in ${this.ctx.config.path} (tmux key names, e.g. [Escape]).` });
    }
    await this.requireRunning(record);
    const tmux = tmuxOf(this.ctx, record);
    // Under the session's lock, like send: no message lands between the check and the keys.
    await this.ctx.store.withLock(record.project, record.name, async () => {
      // An answer meant for a dialog must not land in the prompt ("1" typed, Enter sending a draft):
      // where the agent's screen can be read, it has to show the question.
      if (which !== "abort" && !force && hasPatterns(agent.status)) {
        const snap = await tmux.snapshot(record.tmuxSession);
        if (snap.dead) throw new PaneDeadError(record.tmuxSession);
        const screen = classifyScreen(snap.screen, agent.status);
        if (screen !== "waiting") {
          throw new AoError(`${record.name} is not asking for an answer (its screen reads ${screen})`, { hint: `See it with: ao session logs ${record.name} --lines 20; answer a question ao does not recognise with --force.` });
        }
      }
      await pressKeys(tmux, record.tmuxSession, keys);
      this.ctx.store.appendEvent(record.project, record.name, event, which === "abort" ? {} : { answer: which });
    });
    return record;
  }

  /** A handle on one session for scripts (seed 001): send, events, abort, exec, readFile, … */
  session(query: string): SessionHandle {
    return new SessionHandle(this, this.resolve(query).name);
  }

  /** Runs argv in the session's worktree and returns its exit code and output. */
  async execCaptured(query: string, argv: readonly string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const { cwd, env } = this.execTarget(query, argv);
    return this.ctx.runCaptured(argv, cwd, env);
  }

  /** Where and with what environment `exec` runs a command in a session's worktree. */
  private execTarget(query: string, argv: readonly string[]): { cwd: string; env: Record<string, string> } {
    if (argv.length === 0) throw new UsageError("No command given.", "Example: ao session exec ma-1 -- git status");
    const record = this.resolve(query);
    if (!this.ctx.files.exists(record.workspacePath)) throw new AoError(`Workspace missing: ${record.workspacePath}`, { bare: true });
    return { cwd: record.workspacePath, env: { AO_SESSION: record.name, AO_PROJECT: record.project } };
  }

  /**
   * A file of the session's worktree, by a path relative to it. Paths that leave
   * the worktree (absolute, .., or through a symlink) are refused.
   */
  readFile(query: string, path: string): string {
    const record = this.resolve(query);
    if (isAbsolute(path)) throw new UsageError(`Give a path inside the worktree, not an absolute one: ${path}`);
    const root = this.ctx.files.realpath(record.workspacePath);
    let real: string;
    try {
      real = this.ctx.files.realpath(resolvePath(root, path));
    } catch {
      throw new AoError(`No such file in ${record.name}'s worktree: ${path}`);
    }
    if (!real.startsWith(`${root}${sep}`)) throw new UsageError(`${path} is outside ${record.name}'s worktree`);
    const text = this.ctx.files.read(real);
    if (text === undefined) throw new AoError(`Cannot read ${path} in ${record.name}'s worktree`);
    return text;
  }

  /** Changes what a user may change about a session: its title. */
  async update(query: string, change: { title?: string }): Promise<SessionRecord> {
    const record = this.resolve(query);
    if (change.title === undefined) throw new UsageError("Nothing to update.", "Example: ao session update ma-1 --title 'Fix the login bug'");
    const title = cleanTitle(change.title);
    if (!title) throw new UsageError("The title is empty once control characters are removed.");
    const updated = await this.ctx.store.update(record.project, record.name, (r) => ({ ...r, title }));
    this.ctx.store.appendEvent(record.project, record.name, "updated", { title });
    return updated;
  }

  /**
   * Runs a command in the session's worktree, as argv (no shell unless the
   * caller asks for one by running `sh -c`), with AO_SESSION set. Returns its exit code.
   */
  async exec(query: string, argv: readonly string[]): Promise<number> {
    const { cwd, env } = this.execTarget(query, argv);
    try {
      return await this.ctx.runAttached(argv, cwd, env);
    } catch (err) {
      if (err instanceof CommandError && err.spawnErrorCode) {
        throw new AoError(`Cannot run ${argv[0]}: ${err.spawnErrorCode === "ENOENT" ? "command not found" : err.spawnErrorCode}`, { exitCode: 127 });
      }
      throw err;
    }
  }

  /**
   * The whole life of the session as plain text (core/transcript.ts): from its
   * spawn, across pause, resume and restore, also once it was killed.
   */
  async transcript(query: string): Promise<{ text: string; live: boolean }> {
    return (await transcriptCode()).sessionTranscript(this.ctx, this.resolve(query));
  }

  /**
   * The transcript's lines after the first `from` (or only its last `tail`),
   * then each line the agent prints, until its runtime ends or `signal` aborts.
   */
  followTranscript(query: string, opts: { from?: number; tail?: number; signal?: AbortSignal; pollMs?: number }): AsyncGenerator<string> {
    const record = this.resolve(query);
    return (async function* (ctx) {
      yield* (await transcriptCode()).followSessionTranscript(ctx, record, opts);
    })(this.ctx);
  }

  /**
   * Watches every session until `signal` aborts (or one pass with `once`) and
   * reacts as configured (SPEC §4 ao watch; core/watch.ts). One per dataDir.
   */
  async watch(opts: WatchOptions = {}): Promise<void> {
    if (opts.project) this.knownProject(opts.project);
    const { runWatch } = await import("./watch.js");
    return runWatch(this, opts);
  }

  /** A page of a session's persisted events: ids > `after`, at most `limit`. */
  events(query: string, opts: { after?: number; limit?: number } = {}): { events: SessionEvent[]; hasMore: boolean } {
    const record = this.resolve(query);
    const all = this.ctx.store.events(record.project, record.name, opts.after ?? 0);
    const events = opts.limit === undefined ? all : all.slice(0, opts.limit);
    return { events, hasMore: events.length < all.length };
  }

  /**
   * The events after `after`, then each new one as it is written, until the
   * session has ended (its final events included) or `signal` aborts.
   */
  async *followEvents(query: string, opts: { after?: number; signal?: AbortSignal; pollMs?: number } = {}): AsyncGenerator<SessionEvent> {
    const record = this.resolve(query);
    let after = opts.after ?? 0;
    let endedAt: number | undefined;
    let closed = false;
    while (!opts.signal?.aborted) {
      // An ending writes the terminal record first and its events (work_saved, status_changed,
      // then killed or cleaned) after it: once the record says ended, keep reading until the
      // closing event is in, or a grace period passes (a log from an interrupted ending).
      if (endedAt === undefined && TERMINAL_STATUSES.has(this.ctx.store.read(record.project, record.name)?.status ?? "killed")) endedAt = Date.now();
      for (const event of this.ctx.store.events(record.project, record.name, after)) {
        after = event.id;
        closed ||= ENDING_EVENTS.has(event.type);
        yield event;
      }
      if (endedAt !== undefined && (closed || Date.now() - endedAt >= ENDING_GRACE_MS)) return;
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 200));
    }
  }

  /** Attaches the calling terminal (or switches the current tmux client). */
  async attach(query: string): Promise<void> {
    const record = this.resolve(query);
    await this.requireRunning(record);
    await tmuxOf(this.ctx, record).attach(record.tmuxSession);
  }

  private async requireRunning(record: SessionRecord): Promise<void> {
    requireLive(record);
    if (!(await tmuxOf(this.ctx, record).sessionState(record.tmuxSession))?.alive) throw notRunning(record);
  }
}

/** A session whose record says it has ended or is paused gets nothing typed into it. */
function requireLive(record: SessionRecord): void {
  if (TERMINAL_STATUSES.has(record.status)) throw new AoError(`Session ${record.name} is ${record.status}`);
  if (record.status === "paused") throw new AoError(`Session ${record.name} is paused`, { hint: `Resume it: ao session resume ${record.name}` });
}

function notRunning(record: SessionRecord): AoError {
  return new AoError(`Session ${record.name} is not running`, { hint: `Restore it: ao session restore ${record.name}` });
}

/**
 * The pane's state and screen; a session tmux cannot find (or no server) or
 * whose agent has exited is "not running", as requireRunning says it.
 */
async function runningSnapshot(tmux: Tmux, record: SessionRecord): Promise<PaneSnapshot> {
  let snapshot: PaneSnapshot;
  try {
    snapshot = await tmux.snapshot(record.tmuxSession);
  } catch (err) {
    // tmux ran and refused: the session (or its server) is not there, which one more listing confirms.
    if (err instanceof CommandError && err.spawnErrorCode === undefined && !err.timedOut && !(await tmux.sessionState(record.tmuxSession))?.alive) throw notRunning(record);
    throw err;
  }
  if (snapshot.dead) throw notRunning(record);
  return snapshot;
}
