/**
 * Pure: the decisions of `ao watch`. From what was seen before (a session's
 * persisted memory), what is seen now (its observed status, the question on its
 * screen, its PR's facts when GitHub was asked this pass) and the reactions
 * configured, to what happens: events, messages queued for the agent,
 * notifications, restore or cleanup. No I/O here; the loop (core/watch.ts)
 * carries the actions out and the unit tests drive this tick by tick.
 *
 * Each cause has a key (ci-failed:<head>, changes-requested:<review id>,
 * conflict:<base>, waiting:<episode>:<question>, dead:<n>, ready:<head>,
 * merged:<pr>, issue-closed:<n>, maxSends:<kind>:<head>) and happens once: the
 * key goes into `done`, which is persisted before any action is taken.
 */
import type { WatchConfig } from "../config/types.js";
import type { CheckFact, PrFacts, WatchFacts } from "./watch-facts.js";
import { ciFailedMessage, changesRequestedMessage, conflictMessage } from "./watch-text.js";

export type SendKind = "ci-failed" | "changes-requested" | "conflict";
export type Reactions = WatchConfig["reactions"];

/** A message for the agent, waiting until it is idle. `sending` is written before the send starts. */
export interface Outgoing {
  cause: string;
  kind: SendKind;
  text: string;
  /** The PR head the message is about: a new head makes a CI or conflict message stale. */
  head: string;
  state: "queued" | "sending";
  /** Set once the user was told it waits behind a question. */
  held?: boolean;
  /** Sends refused before anything was typed (the screen changed, the lock was busy). */
  attempts?: number;
  /** While sending: the session's last event id before the send (its message_sent comes after). */
  sendingAfter?: number;
}

export interface SessionMemory {
  /** The status seen on the last pass. */
  status?: string;
  /** How many times the runtime was seen going away; the dead cause's key. */
  deaths: number;
  /** How many times the agent began waiting; part of the waiting cause's key. */
  episodes: number;
  /** The question on screen in the current waiting episode. */
  question?: { key: string; line: string };
  /** Cause keys that happened (newest last, bounded). */
  done: string[];
  outbox: Outgoing[];
  /** Sends of each kind in a row, and the head they were for (maxSends). */
  streak: Partial<Record<SendKind, { count: number; head: string }>>;
}

export interface Seen {
  name: string;
  issue: string | null;
  defaultBranch: string;
  status: string;
  /** The question on screen, when the screen was read this pass and reads waiting. */
  question?: { key: string; line: string };
  /** Undefined when GitHub was not asked (or could not answer) this pass. */
  github?: WatchFacts;
  /** Tails of failing Actions jobs' logs, by job id. */
  logs?: ReadonlyMap<number, string>;
}

export type Action =
  | { type: "detected"; cause: string; text: string }
  | { type: "queue"; cause: string; text: string; message: Outgoing }
  | { type: "notify"; cause: string; text: string }
  | { type: "restore"; cause: string; text: string }
  | { type: "cleanup"; cause: string; text: string };

const MAX_DONE = 500;

export const freshMemory = (): SessionMemory => ({ deaths: 0, episodes: 0, done: [], outbox: [], streak: {} });

export const failingChecks = (pr: PrFacts): CheckFact[] => pr.checks.filter((c) => c.outcome === "failure");
const pending = (pr: PrFacts) => pr.checks.some((c) => c.outcome === "pending");

/** The Actions jobs whose logs a ci-failed message for this PR would quote: only while that cause is still to come. */
export function logsWanted(memory: SessionMemory, facts: WatchFacts | undefined, reactions: Reactions): number[] {
  const pr = facts?.pr;
  if (!pr || pr.state !== "OPEN" || reactions["ci-failed"] !== "send" || pending(pr)) return [];
  if (memory.done.includes(`ci-failed:${pr.headRefOid}`)) return [];
  return failingChecks(pr).flatMap((c) => (c.jobId === undefined ? [] : [c.jobId]));
}

export function decide(before: SessionMemory, seen: Seen, reactions: Reactions): { memory: SessionMemory; actions: Action[] } {
  const m: SessionMemory = { ...before, done: [...before.done], outbox: [...before.outbox], streak: { ...before.streak } };
  const actions: Action[] = [];
  const once = (cause: string): boolean => {
    if (m.done.includes(cause)) return false;
    m.done.push(cause);
    return true;
  };
  const notify = (cause: string, text: string) => actions.push({ type: "notify", cause, text });

  // The runtime went away: once per death (a restore and a second death is a new one).
  if (seen.status === "dead" && before.status !== "dead") {
    m.deaths += 1;
    const cause = `dead:${m.deaths}`;
    if (reactions.dead !== "off" && once(cause)) {
      const text = `${seen.name}'s agent is gone (its tmux session or process ended)`;
      actions.push({ type: "detected", cause, text });
      if (reactions.dead === "restore") actions.push({ type: "restore", cause, text: `restoring ${seen.name}` });
      else notify(cause, `${text}; restore it: ao session restore ${seen.name}`);
    }
  }

  // A question on screen: the user answers it, never ao.
  if (seen.status === "waiting") {
    if (before.status !== "waiting") {
      m.episodes += 1;
      delete m.question;
    }
    if (seen.question) m.question = seen.question;
    const q = m.question;
    if (q && reactions.waiting !== "off" && once(`waiting:${m.episodes}:${q.key}`)) {
      const held = m.outbox.length ? ` (${m.outbox.length} message${m.outbox.length === 1 ? "" : "s"} from ao watch wait until it is answered)` : "";
      notify(`waiting:${m.episodes}:${q.key}`, `${seen.name} asks: ${q.line} | answer: ao session reply ${seen.name} once|always|reject${held}`);
      m.outbox = m.outbox.map((o) => ({ ...o, held: true }));
    }
  } else if (before.status === "waiting") delete m.question;

  if (seen.github) github(m, seen, seen.github, reactions, once, actions);
  m.status = seen.status;
  if (m.done.length > MAX_DONE) m.done = m.done.slice(-MAX_DONE);
  return { memory: m, actions };
}

function github(m: SessionMemory, seen: Seen, facts: WatchFacts, reactions: Reactions, once: (c: string) => boolean, actions: Action[]): void {
  const pr = facts.pr;
  const notify = (cause: string, text: string) => actions.push({ type: "notify", cause, text });
  const ended = (cause: string, text: string) => {
    if (reactions.merged === "off" || !once(cause)) return;
    actions.push({ type: "detected", cause, text });
    if (reactions.merged === "cleanup") actions.push({ type: "cleanup", cause, text: `cleaning up ${seen.name}` });
    else notify(cause, `${text}; clean up: ao session cleanup`);
  };
  if (facts.issueState === "CLOSED" && seen.issue) ended(`issue-closed:${seen.issue}`, `${seen.name}: issue ${seen.issue} is closed`);
  if (!pr) return;
  if (pr.state === "MERGED") ended(`merged:${pr.number}`, `${seen.name}: pull request #${pr.number} merged (${pr.url})`);
  if (pr.state !== "OPEN") {
    m.outbox = m.outbox.filter((o) => o.state === "sending"); // nothing left to fix
    return;
  }
  const head = pr.headRefOid;
  // A new head answers earlier CI and conflict messages that have not gone out yet.
  m.outbox = m.outbox.filter((o) => o.state === "sending" || o.kind === "changes-requested" || o.head === head);
  for (const kind of ["changes-requested", "conflict"] as const) if (m.streak[kind] && m.streak[kind]!.head !== head) delete m.streak[kind];

  const failing = failingChecks(pr);
  const complete = !pr.checks.some((c) => c.outcome === "pending");
  if (complete && failing.length === 0) delete m.streak["ci-failed"]; // green again: a later failure starts a new streak
  if (complete && failing.length) {
    const names = failing.map((c) => c.name).join(", ");
    react(m, seen, reactions, once, actions, "ci-failed", `ci-failed:${head}`, head, `${seen.name}: CI failed on pull request #${pr.number} (${names})`, () => ciFailedMessage(pr, failing, seen.logs ?? new Map()), `CI still failing on pull request #${pr.number}`);
  }
  if (pr.reviewDecision === "CHANGES_REQUESTED") {
    for (const review of pr.reviews) {
      if (review.state !== "CHANGES_REQUESTED") continue;
      if (!review.trusted) {
        once(`changes-requested:${review.id}`); // an outsider's review never reaches the agent
        continue;
      }
      react(m, seen, reactions, once, actions, "changes-requested", `changes-requested:${review.id}`, head, `${seen.name}: changes requested on pull request #${pr.number}${review.author ? ` by ${review.author}` : ""}`, () => changesRequestedMessage(pr, review), `changes still requested on pull request #${pr.number}`);
    }
  } else {
    // Superseded (approved, dismissed): an old review must not come back later.
    for (const review of pr.reviews) once(`changes-requested:${review.id}`);
  }
  if (pr.mergeable === "CONFLICTING") {
    react(m, seen, reactions, once, actions, "conflict", `conflict:${pr.baseRefOid}`, head, `${seen.name}: pull request #${pr.number} has merge conflicts with ${pr.baseRefName}`, () => conflictMessage(pr, seen.defaultBranch), `pull request #${pr.number} still conflicts`);
  }
  if (pr.reviewDecision === "APPROVED" && complete && failing.length === 0 && pr.mergeable !== "CONFLICTING" && reactions.ready !== "off" && once(`ready:${head}`)) {
    const text = `${seen.name}: pull request #${pr.number} is approved and every check is green: ${pr.url}`;
    actions.push({ type: "detected", cause: `ready:${head}`, text });
    notify(`ready:${head}`, text);
  }
}

/** One send reaction: detect once, then send (within maxSends), notify, or nothing. */
function react(m: SessionMemory, seen: Seen, reactions: Reactions, once: (c: string) => boolean, actions: Action[], kind: SendKind, cause: string, head: string, summary: string, message: () => string, still: string): void {
  const how = reactions[kind];
  if (how === "off" || !once(cause)) return;
  actions.push({ type: "detected", cause, text: summary });
  if (how === "notify") {
    actions.push({ type: "notify", cause, text: summary });
    return;
  }
  const streak = m.streak[kind];
  if (streak && streak.count >= reactions.maxSends) {
    const stop = `maxSends:${kind}:${head}`;
    if (once(stop)) actions.push({ type: "notify", cause: stop, text: `${seen.name}: ${still} after ${streak.count} attempt${streak.count === 1 ? "" : "s"}; ao watch stops sending it (see ${kind})` });
    return;
  }
  m.streak[kind] = { count: (streak?.count ?? 0) + 1, head };
  const out: Outgoing = { cause, kind, text: message(), head, state: "queued" };
  m.outbox.push(out);
  actions.push({ type: "queue", cause, text: summary, message: out });
}

/** What to do with the outbox now: send the first message to an idle agent; tell the user about ones held by a question. */
export function deliveries(memory: SessionMemory, status: string): { send?: Outgoing; held: Outgoing[] } {
  const queued = memory.outbox.filter((o) => o.state === "queued");
  if (status === "idle") return { send: queued[0], held: [] };
  if (status === "waiting") return { held: queued.filter((o) => !o.held) };
  return { held: [] };
}

/**
 * After a restart: a message marked `sending` may or may not have reached the
 * agent (the watch died between the mark and the result). It is never sent
 * again (at most once); the user is told.
 */
export function recoverOutbox(memory: SessionMemory): { memory: SessionMemory; uncertain: Outgoing[] } {
  const uncertain = memory.outbox.filter((o) => o.state === "sending");
  if (uncertain.length === 0) return { memory, uncertain };
  return { memory: { ...memory, outbox: memory.outbox.filter((o) => o.state !== "sending") }, uncertain };
}
