/**
 * Pure: the words `ao watch` sends to agents and to the user. What GitHub or a
 * screen says is text from elsewhere: control characters (an ESC could end a
 * bracketed paste early, or steer the user's terminal) are removed, and every
 * part is bounded so one huge review or log cannot flood a pane.
 */
import { fnv1a64 } from "./hash.js";
import type { CheckFact, PrFacts, ReviewFact } from "./watch-facts.js";

/** Lines of a failing job's log that reach the agent. */
export const LOG_TAIL_LINES = 80;
const MAX_BODY = 4_000;
const MAX_COMMENTS = 40;
const MAX_LINE = 300;

const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** Text safe to paste or print: ANSI sequences and control characters gone, CRLF as LF, bounded. */
export function plain(text: string, max = MAX_BODY): string {
  const clean = text.replace(ANSI, "").replace(/\r\n?/g, "\n").replace(CONTROL, "");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** One line for a notification or watch's own output. */
export function oneLine(text: string, max = MAX_LINE): string {
  return plain(text, max * 2).replace(/\s+/g, " ").trim().slice(0, max);
}

/**
 * The last lines of an Actions job log, without ANSI colours and without the
 * timestamp GitHub puts before every line.
 */
export function logTail(log: string, lines = LOG_TAIL_LINES): string {
  const all = plain(log, Number.MAX_SAFE_INTEGER)
    .split("\n")
    .map((l) => l.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?/, "").slice(0, 500));
  while (all.length && !all[all.length - 1]!.trim()) all.pop();
  return all.slice(-lines).join("\n");
}

const short = (oid: string) => oid.slice(0, 7);

export function ciFailedMessage(pr: PrFacts, failing: readonly CheckFact[], logs: ReadonlyMap<number, string>): string {
  const parts = [`CI failed on your pull request #${pr.number} (commit ${short(pr.headRefOid)}). Failing checks:`];
  for (const c of failing) {
    parts.push(`- ${oneLine(c.name, 120)}${c.url ? `: ${c.url}` : ""}`);
    const log = c.jobId !== undefined ? logs.get(c.jobId) : undefined;
    if (log) parts.push(`  Last lines of its log:`, ...log.split("\n").map((l) => `    ${l}`));
  }
  parts.push("Please fix these failures, commit, and push.");
  return parts.join("\n");
}

export function changesRequestedMessage(pr: PrFacts, review: ReviewFact): string {
  const who = review.author ? ` (${oneLine(review.author, 60)})` : "";
  const parts = [`A reviewer${who} requested changes on your pull request #${pr.number}.`];
  const body = plain(review.body).trim();
  if (body) parts.push("", body);
  const comments = review.comments.slice(0, MAX_COMMENTS);
  if (comments.length) {
    parts.push("", "Comments:");
    for (const c of comments) parts.push(`${oneLine(c.path, 200)}:${c.line ?? "?"}: ${plain(c.body, 1_000).trim()}`);
    if (review.comments.length > comments.length) parts.push(`(${review.comments.length - comments.length} more on the pull request)`);
  }
  parts.push("", "Please address the review, commit, and push.");
  return parts.join("\n");
}

export function conflictMessage(pr: PrFacts, defaultBranch: string): string {
  return [
    `Your pull request #${pr.number} has merge conflicts with its base (${oneLine(pr.baseRefName, 100)}).`,
    `Please rebase on origin/${defaultBranch} (git fetch origin && git rebase origin/${defaultBranch}), resolve the conflicts, run the tests, and push (git push --force-with-lease).`,
  ].join("\n");
}

/** The line of a waiting screen that asks: the last one that reads as a question, else the first of the last few. */
export function questionLine(screen: string): string {
  const lines = plain(screen, 20_000)
    .split("\n")
    .map((l) => l.replace(/[│┃|╭╮╰╯─━]/g, " ").trim())
    .filter(Boolean)
    .slice(-10);
  // Not an option of the menu: "[y] allow once", "1. Yes", "❯ 2. No".
  const prose = [...lines].reverse().filter((l) => !/^(?:[❯>›]\s*)?(?:\[\w\]|\(\w\)|\d+[.)])\s/.test(l));
  const asking = prose.find((l) => /\?\s*$/.test(l)) ?? prose.find((l) => /permission|allow|approve|trust|proceed|:\s*\S/i.test(l));
  return oneLine(asking ?? lines[Math.max(0, lines.length - 3)] ?? "a question", 200);
}

/** The lines a question's identity is made of (the last ones on screen). */
export function questionLines(screen: string): string {
  return plain(screen, 20_000)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-10)
    .join("\n");
}

/** A short stable key for a question's text (part of the waiting cause). */
export const hashKey = (text: string): string => fnv1a64(text).slice(0, 12);
