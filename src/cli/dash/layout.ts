/**
 * Pure: the dash's screen as lines of coloured segments, from the groups the
 * core ordered (core/attention.ts), the selection, the filter and the terminal
 * size. No React, no I/O: unit tests drive it directly.
 */
import type { DashEntry, DashGroup } from "../../core/attention.js";
import { formatDuration } from "../../core/duration.js";
import { cleanTitle } from "../../core/naming.js";

export type Colour = "red" | "green" | "yellow" | "blue" | "cyan" | "magenta" | "gray";
export interface Segment {
  text: string;
  color?: Colour;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}
export type Line = Segment[];

/** Below this the dash says so instead of drawing a broken screen. */
export const MIN_COLUMNS = 60;
export const MIN_ROWS = 14;

/** The sessions as the list shows them: group headers and rows, in order. */
export type ListItem = { kind: "group"; project: string; count: number } | { kind: "session"; entry: DashEntry };

/** A case-insensitive match on name, project, branch, status, title, PR number and attention. */
export function matchesText(entry: DashEntry, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (!f) return true;
  const v = entry.view;
  const hay = [v.name, v.project, v.branch, v.status, v.title ?? "", v.pr ? `#${v.pr.number}` : "", ...entry.attention].join(" ").toLowerCase();
  return hay.includes(f);
}

export function listItems(groups: readonly DashGroup[], filter: string): ListItem[] {
  const items: ListItem[] = [];
  for (const g of groups) {
    const entries = g.entries.filter((e) => matchesText(e, filter));
    if (!entries.length) continue;
    items.push({ kind: "group", project: g.project, count: entries.length });
    for (const entry of entries) items.push({ kind: "session", entry });
  }
  return items;
}

/** How the rows of the screen are shared: list, preview, and the fixed lines. */
export interface Areas {
  list: number;
  preview: number;
}

/** header + column titles + preview title + status line + footer. */
const FIXED_LINES = 5;

export function areas(rows: number, listLines: number): Areas {
  const free = rows - FIXED_LINES;
  const preview = Math.max(4, Math.floor(free * 0.4));
  const list = Math.max(3, Math.min(listLines, free - preview));
  return { list, preview: free - list };
}

/** The first visible list line, moved only as far as needed to keep `selected` in view. */
export function scrollTo(offset: number, selected: number, viewport: number, total: number): number {
  let o = Math.min(offset, Math.max(0, total - viewport));
  if (selected < o) o = selected;
  if (selected >= o + viewport) o = selected - viewport + 1;
  return Math.max(0, o);
}

const STATUS_COLOUR: Partial<Record<string, Colour>> = { waiting: "yellow", dead: "red", working: "green", spawning: "cyan", paused: "blue", unknown: "magenta" };
const CHECKS: Record<string, Segment> = { passing: { text: "pass", color: "green" }, failing: { text: "FAIL", color: "red" }, pending: { text: "pend", color: "yellow" } };
const REVIEW: Record<string, Segment> = { approved: { text: "approved", color: "green" }, changes_requested: { text: "changes", color: "red" }, review_required: { text: "review" } };

/** Exactly `width` columns: cut with an ellipsis, or padded. */
export function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length > width) return width <= 1 ? chars.slice(0, width).join("") : `${chars.slice(0, width - 1).join("")}…`;
  return text + " ".repeat(width - chars.length);
}

/** A title, then a line to the edge: exactly `width` columns. */
export const rule = (title: string, width: number): string => [...`${title}${"─".repeat(Math.max(0, width))}`].slice(0, width).join("");

interface Columns {
  name: number;
  branch: number;
  title: number;
}

/** Name as wide as the longest (capped); the branch and the title share what is left. */
export function columns(width: number, items: readonly ListItem[]): Columns {
  const longest = Math.max(7, ...items.map((i) => (i.kind === "session" ? [...i.entry.view.name].length : 0)));
  const name = Math.min(longest, 24);
  // marker 2 + name + status 9 + age 5 + PR 7 + checks 7 + review 9, each with a space after.
  const rest = width - (2 + name + 1 + 9 + 5 + 7 + 7 + 9);
  const branch = Math.max(8, Math.min(32, Math.floor(rest * 0.5)));
  return { name, branch, title: Math.max(0, rest - branch - 1) };
}

export function headerRow(c: Columns): Line {
  return [{ text: `  ${fit("SESSION", c.name)} ${fit("STATUS", 8)} ${fit("AGE", 4)} ${fit("BRANCH", c.branch)} ${fit("PR", 6)} ${fit("CHECKS", 6)} ${fit("REVIEW", 8)} ${c.title ? fit("TITLE", c.title) : ""}`, dim: true }];
}

export function sessionRow(entry: DashEntry, c: Columns, now: number, selected: boolean): Line {
  const v = entry.view;
  const age = formatDuration(now - Date.parse(v.lastActivityAt));
  const pr = v.pr ?? null;
  const open = pr?.state === "OPEN";
  const prText = pr ? `#${pr.number}${pr.state === "MERGED" ? "m" : pr.state === "CLOSED" ? "c" : pr.isDraft ? "d" : ""}` : "-";
  const checks = (open && pr?.checksState && CHECKS[pr.checksState]) || { text: "-" };
  const review = (open && pr?.reviewState && REVIEW[pr.reviewState]) || { text: "-" };
  const row: Line = [
    { text: selected ? "> " : "  ", bold: true },
    { text: fit(v.name, c.name), bold: selected },
    { text: " " },
    { text: fit(v.status, 8), color: STATUS_COLOUR[v.status], bold: entry.attention.length > 0 },
    { text: ` ${fit(age, 4)} ` },
    { text: fit(v.branch || "-", c.branch), color: "cyan" },
    { text: ` ${fit(prText, 6)} ` },
    { ...checks, text: fit(checks.text, 6) },
    { text: " " },
    { ...review, text: fit(review.text, 8) },
  ];
  if (c.title) row.push({ text: ` ${fit(cleanTitle(v.title) ?? "", c.title)}` });
  return selected ? row.map((s) => ({ ...s, inverse: true })) : row;
}

export function groupRow(project: string, count: number, needs: number): Line {
  return [{ text: `${project}`, bold: true }, { text: ` (${count}${needs ? `, ${needs} need you` : ""})`, dim: true }];
}

/** A captured screen as plain lines: control characters blanked, trailing blank lines dropped, the last `rows` kept. */
export function previewLines(screen: string, rows: number): string[] {
  const lines = screen.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, " ").split("\n");
  while (lines.length && !lines[lines.length - 1]!.trim()) lines.pop();
  return lines.slice(-rows);
}

/** What an empty preview means, for the statuses that have no screen to show. */
export function previewHint(status: string): string | undefined {
  if (status === "dead") return "(no screen: the agent's runtime is gone; R restores it)";
  if (status === "paused") return "(paused: p resumes it)";
  return undefined;
}

const FOOTER = "↑↓/jk select  ⏎ attach  s send  o/a/x reply  i abort  p pause  R restore  K kill  / filter  ? help  q quit";
const FOOTER_SHORT = "jk move ⏎ attach s send o/a/x reply i abort p pause R restore K kill / ? q";
export const footer = (width: number) => ([...FOOTER].length <= width ? FOOTER : FOOTER_SHORT);

export const HELP = [
  "ao dash: every session, the ones that need you first.",
  "",
  "  ↑/↓ or j/k   select a session (PgUp/PgDn, g/G: a page, the ends)",
  "  Enter        attach to it (detach with your tmux prefix + d to come back)",
  "  s            send it a message (refused while it asks a question)",
  "  o / a / x    answer its question: once / always / reject",
  "  i            interrupt its turn",
  "  p            pause it, or resume it when paused",
  "  R            restore a dead session",
  "  K            kill it (asks; uncommitted work is saved to a git ref first)",
  "  /            filter by name, branch, status, title or PR (Esc clears)",
  "  ?            this help (any key closes it)",
  "  q            quit",
];

/**
 * The input line after a chunk of typed text. Keys typed faster than a read
 * arrive together ("hello\r"): a carriage return submits what came before it,
 * DEL and backspace delete, other control characters are dropped.
 */
export function editLine(text: string, chunk: string): { text: string; submit?: boolean } {
  let chars = [...text];
  for (const ch of chunk) {
    if (ch === "\r" || ch === "\n") return { text: chars.join(""), submit: true };
    if (ch === "\x7f" || ch === "\b") chars = chars.slice(0, -1);
    else if (!/[\u0000-\u001f\u007f-\u009f]/.test(ch)) chars.push(ch);
  }
  return { text: chars.join("") };
}

export function tooSmall(columns: number, rows: number): string {
  return `Terminal too small for ao dash: ${columns}x${rows}, needs at least ${MIN_COLUMNS}x${MIN_ROWS}. Enlarge it, or press q to quit.`;
}
