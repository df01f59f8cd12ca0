/**
 * Pure: one whole frame of the dash as lines, from what the screen knows (the
 * feed's snapshot and preview, the selection, the mode, the size). The Ink
 * screen (app.ts) renders these lines, and the first frame is also painted
 * from them before Ink has loaded (screen.ts), so both are the same characters
 * in the same cells. No React, no I/O, and no string-width (the caller measures:
 * Ink's measure in app.ts, narrow-width.ts for the painted frame).
 */
import { areas, columns, footer, groupRow, headerRow, HELP, listItems, MIN_COLUMNS, MIN_ROWS, previewHint, previewLines, rule, scrollTo, sessionRow, tooSmall, type Line, type ListItem } from "./layout.js";
import type { Preview, Snapshot } from "./feed.js";
import type { DashEntry } from "../../core/attention.js";

export type Mode =
  | { kind: "list" }
  | { kind: "help" }
  | { kind: "input"; purpose: "send" | "filter"; text: string; target?: string }
  | { kind: "confirm"; purpose: "kill" | "force"; target: string; question: string };

export interface Listed {
  items: ListItem[];
  /** The sessions of the list, with the list line each is on. */
  sessions: { name: string; line: number; entry: DashEntry }[];
  /** The selected session: the one named, else the first. */
  current?: { name: string; line: number; entry: DashEntry };
}

/** What the list holds under a filter, and which of it is selected. */
export function listed(snap: Snapshot | undefined, filter: string, selected: string | undefined): Listed {
  const items = listItems(snap?.groups ?? [], filter);
  const sessions = items.flatMap((it, line) => (it.kind === "session" ? [{ name: it.entry.view.name, line, entry: it.entry }] : []));
  return { items, sessions, current: sessions.find((x) => x.name === selected) ?? sessions[0] };
}

export interface FrameInput {
  columns: number;
  /** The terminal's rows. */
  rows: number;
  snap?: Snapshot;
  preview?: Preview;
  list: Listed;
  /** The filter in force (while one is typed, what is typed so far). */
  filter: string;
  mode: Mode;
  status?: { text: string; error?: boolean };
  /** The first list line shown by the previous frame. */
  offset: number;
  /** The columns a text takes, or undefined when this measure cannot tell (then the frame is "unmeasured"). */
  measure(text: string): number | undefined;
}

export type Frame =
  /** The terminal is smaller than the dash needs: this text, wrapped. */
  | { kind: "small"; text: string }
  /** `lines`, each at most `columns` wide, one per row from the top; `offset` and `onScreen`: the list as drawn. */
  | { kind: "lines"; lines: Line[]; offset: number; onScreen: string[] }
  /** A text the measure could not tell the width of. */
  | { kind: "unmeasured" };

/** The lines drawn: one short of the terminal's height (Ink redraws a full-height frame from scratch each time). */
export const frameRows = (rows: number) => rows - 1;

export function dashFrame(f: FrameInput): Frame {
  const rows = frameRows(f.rows);
  if (f.columns < MIN_COLUMNS || rows < MIN_ROWS) return { kind: "small", text: tooSmall(f.columns, f.rows) };
  if (f.mode.kind === "help") return clipped({ kind: "lines", lines: HELP.map((text) => [{ text }]), offset: f.offset, onScreen: [] }, f);
  const { snap, preview, mode, status, filter } = f;
  const { items, current } = f.list;
  const area = areas(rows, items.length);
  const cols = columns(f.columns, items);
  const offset = scrollTo(f.offset, current?.line ?? 0, area.list, items.length);
  const now = snap?.at ?? Date.now(); // the ages the feed saw change
  const shown = items.slice(offset, offset + area.list);
  const visible = shown.map((it) => {
    if (it.kind === "group") return groupRow(it.project, it.count, snap?.groups.find((g) => g.project === it.project)?.entries.filter((e) => e.attention.length).length ?? 0);
    return sessionRow(it.entry, cols, now, it.entry.view.name === current?.name);
  });
  const empty = !snap ? "Reading sessions…" : items.length ? undefined : filter ? `No session matches "${filter}".` : "No sessions. Start one: ao spawn <project> [issue]";
  const header: Line = [
    { text: "ao dash", bold: true },
    { text: `  ${snap?.count ?? 0} session${snap?.count === 1 ? "" : "s"}` },
    ...(snap?.needYou ? [{ text: `, ${snap.needYou} need you`, color: "yellow" as const, bold: true }] : []),
    ...(filter ? [{ text: `  filter: ${filter}`, color: "cyan" as const }] : []),
    ...(items.length > area.list ? [{ text: `  ${offset + 1}-${Math.min(items.length, offset + area.list)} of ${items.length}`, dim: true }] : []),
  ];
  const read = preview && preview.name === current?.name ? previewLines(preview.text, area.preview) : [];
  const hint = current && !read.length ? previewHint(current.entry.view.status) : undefined;
  const previewTitle: Line = [{ text: rule(`── ${current ? `${current.name}${current.entry.attention.length ? ` (${current.entry.attention.join(", ")})` : ""}` : "preview"} `, f.columns), dim: true }];
  const statusLine: Line = mode.kind === "input"
    ? [{ text: mode.purpose === "send" ? `Send to ${mode.target}: ` : "Filter: ", bold: true }, { text: `${mode.text}█` }, { text: "  (Enter: ok, Esc: cancel)", dim: true }]
    : mode.kind === "confirm"
      ? [{ text: mode.question, bold: true, color: "yellow" }]
      : status
        ? [{ text: status.text, color: status.error ? "red" : undefined }]
        : snap?.problem
          ? [{ text: snap.problem, color: "yellow" }]
          : snap?.watch
            ? [{ text: `watch: ${snap.watch.text.startsWith(`${snap.watch.session}:`) ? snap.watch.text : `${snap.watch.session}: ${snap.watch.text}`}`, color: "magenta" }]
            : [{ text: snap?.damaged ? `${snap.damaged} damaged session record(s) skipped: see ao session ls` : "", dim: true }];

  const lines: Line[] = [header, headerRow(cols), ...(empty ? [[{ text: empty, dim: true }]] : visible)];
  while (lines.length < 2 + area.list) lines.push([{ text: " " }]);
  lines.push(previewTitle, ...(hint ? [hint] : read).map((t) => [{ text: t || " " }]));
  while (lines.length < rows - 2) lines.push([{ text: " " }]);
  lines.push(statusLine, [{ text: footer(f.columns), dim: true }]);
  return clipped({ kind: "lines", lines, offset, onScreen: shown.flatMap((it) => (it.kind === "session" ? [it.entry.view.name] : [])) }, f);
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Every C0 and C1 control character: none reaches the terminal in a frame. */
export const CONTROL_ALL = new RegExp(CONTROL.source, "g");

function clipped(frame: Frame & { kind: "lines" }, f: FrameInput): Frame {
  const lines: Line[] = [];
  for (const line of frame.lines) {
    // A line with no text would take no row in Ink's layout, and move the lines under it up.
    // No control character reaches the terminal, whatever a session's data holds (an escape would be obeyed).
    const clean = line.map((s) => (CONTROL.test(s.text) ? { ...s, text: s.text.replace(CONTROL_ALL, " ") } : s));
    const cut = clip(clean.some((s) => s.text) ? clean : [{ text: " " }], f.columns, f.measure);
    if (!cut) return { kind: "unmeasured" };
    lines.push(cut);
  }
  return { ...frame, lines };
}

/**
 * The line cut to `width` columns, its last kept column an ellipsis, as Ink's
 * `wrap: "truncate"` would cut it: with every line already this narrow, Ink
 * cuts nothing, and a frame painted without Ink has the same characters.
 */
export function clip(line: Line, width: number, measure: FrameInput["measure"]): Line | undefined {
  let total = 0;
  for (const s of line) {
    const w = measure(s.text);
    if (w === undefined) return undefined;
    total += w;
  }
  if (total <= width) return line;
  const out: Line = [];
  let used = 0;
  for (const seg of line) {
    let text = "";
    for (const ch of seg.text) {
      const w = measure(ch)!;
      if (used + w > width - 1) {
        out.push({ ...seg, text: `${text}…` });
        return out;
      }
      text += ch;
      used += w;
    }
    out.push({ ...seg, text });
  }
  return out;
}
