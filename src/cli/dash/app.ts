/**
 * The dash's screen and keys (Ink). It shows what the feed brings and turns keys
 * into orchestrator calls (dash/actions.ts); nothing here decides a status.
 * Plain .ts with createElement, so the build needs no JSX setting.
 */
import { createElement as h, useEffect, useMemo, useRef, useState, type ReactElement } from "react";
import { Box, Text, useApp, useInput, useStdout } from "ink";
import type { Orchestrator } from "../../core/orchestrator.js";
import { act, type Outcome } from "./actions.js";
import type { DashFeed, Preview, Snapshot } from "./feed.js";
import { areas, columns, editLine, footer, previewHint, rule, groupRow, headerRow, HELP, listItems, MIN_COLUMNS, MIN_ROWS, previewLines, scrollTo, sessionRow, tooSmall, type Line } from "./layout.js";

export interface AppProps {
  ao: Orchestrator;
  color: boolean;
  /** The live listing; what it last saw is the first frame (the dash mounts after its first look). */
  feed: DashFeed;
  /** Where a previous mount of the dash left off (it is remounted after an attach). */
  initial: { selected?: string; filter: string; status?: string };
  /** Leaves the dash: to attach to a session (then comes back), or to quit. */
  onLeave(next: { attach?: { name: string; socket?: string }; selected?: string; filter: string }): void;
}

type Mode =
  | { kind: "list" }
  | { kind: "help" }
  | { kind: "input"; purpose: "send" | "filter"; text: string; target?: string }
  | { kind: "confirm"; purpose: "kill" | "force"; target: string; question: string };

function useSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on("resize", onResize);
    return () => void stdout.off("resize", onResize);
  }, [stdout]);
  return size;
}

/** State whose latest value is readable at once, also before the next render. */
function useRefState<T>(initial: T): [T, (v: T) => void, () => T] {
  const [value, setValue] = useState(initial);
  const ref = useRef(initial);
  const set = (v: T) => {
    ref.current = v;
    setValue(() => v);
  };
  return [value, set, () => ref.current];
}

function renderLine(line: Line, color: boolean, key: number): ReactElement {
  return h(
    Text,
    { key, wrap: "truncate" },
    ...line.map((s, i) => h(Text, { key: i, color: color ? s.color : undefined, bold: s.bold, dimColor: color ? s.dim : undefined, inverse: s.inverse }, s.text)),
  );
}

export function App(props: AppProps): ReactElement {
  const { ao, color } = props;
  const { exit } = useApp();
  const size = useSize();
  const { feed } = props;
  const [snap, setSnap] = useState<Snapshot | undefined>(feed.snapshot);
  const [preview, setPreview] = useState<Preview | undefined>(feed.preview);
  const [selected, setSelected, selectedNow] = useRefState<string | undefined>(props.initial.selected);
  const [filter, setFilter] = useState(props.initial.filter);
  const [mode, setMode, modeNow] = useRefState<Mode>({ kind: "list" });
  const [status, setStatus] = useState<{ text: string; error?: boolean } | undefined>(props.initial.status ? { text: props.initial.status } : undefined);
  const offset = useRef(0);
  useEffect(() => {
    feed.start({ onSnapshot: setSnap, onPreview: setPreview });
    return () => feed.stop();
  }, [feed]);

  const liveFilter = mode.kind === "input" && mode.purpose === "filter" ? mode.text : filter;
  const items = useMemo(() => listItems(snap?.groups ?? [], liveFilter), [snap, liveFilter]);
  const sessions = items.flatMap((it, line) => (it.kind === "session" ? [{ name: it.entry.view.name, line, entry: it.entry }] : []));
  let index = sessions.findIndex((s) => s.name === selected);
  if (index < 0 && sessions.length) index = 0;
  const current = index >= 0 ? sessions[index] : undefined;
  useEffect(() => {
    if (current?.name !== selected) setSelected(current?.name);
    feed.select(current?.name);
  }, [current?.name]);

  const report = (o: Outcome) => {
    setStatus(o.message ? { text: o.message, error: o.error } : undefined);
    if (o.confirm) setMode({ kind: "confirm", purpose: o.confirm.purpose, target: o.confirm.target, question: o.confirm.question });
    feed.refreshSoon();
  };
  const run = (key: string, target: string, text?: string) => {
    const view = sessions.find((s) => s.name === target)?.entry.view;
    if (!view) return;
    setStatus({ text: `${target}: working on it…` });
    void act(ao, key, view, text).then(report);
  };
  const leave = (attach?: { name: string; socket?: string }) => {
    feed.stop();
    props.onLeave({ attach, selected: attach?.name ?? selectedNow(), filter });
    exit();
  };

  useInput((input, key) => {
    // Several keys can arrive before React renders again: read what the previous one left.
    const mode = modeNow();
    const at = sessions.findIndex((x) => x.name === selectedNow());
    const index = at >= 0 ? at : 0;
    const cur = sessions[index];
    if (mode.kind === "help") return setMode({ kind: "list" });
    if (mode.kind === "confirm") {
      setMode({ kind: "list" });
      if (input !== "y" && input !== "Y") return setStatus({ text: `Not killed: ${mode.target}.` });
      return run(mode.purpose === "kill" ? "K" : "K!", mode.target);
    }
    if (mode.kind === "input") {
      if (key.escape) {
        if (mode.purpose === "filter") setFilter("");
        return setMode({ kind: "list" });
      }
      const edit = key.return ? { text: mode.text, submit: true } : key.backspace || key.delete ? { text: [...mode.text].slice(0, -1).join("") } : key.ctrl && input === "u" ? { text: "" } : key.ctrl || key.meta ? { text: mode.text } : editLine(mode.text, input);
      if (!edit.submit) return setMode({ ...mode, text: edit.text });
      setMode({ kind: "list" });
      if (mode.purpose === "filter") return setFilter(edit.text);
      if (mode.target && edit.text.trim()) run("s", mode.target, edit.text);
      return;
    }
    const page = Math.max(1, areas(size.rows - 1, items.length).list - 1);
    const move = (to: number) => sessions.length && setSelected(sessions[Math.max(0, Math.min(sessions.length - 1, to))]!.name);
    // Keys typed faster than a read arrive together ("jj"): each one counts.
    if (key.upArrow || /^k+$/.test(input)) return move(index - Math.max(1, input.length));
    if (key.downArrow || /^j+$/.test(input)) return move(index + Math.max(1, input.length));
    if (key.pageUp) return move(index - page);
    if (key.pageDown) return move(index + page);
    if (input === "g" || key.home) return move(0);
    if (input === "G" || key.end) return move(sessions.length - 1);
    if (input === "q") return leave();
    if (input === "?") return setMode({ kind: "help" });
    if (input === "/") return setMode({ kind: "input", purpose: "filter", text: filter });
    if (key.escape) return (setStatus(undefined), setFilter(""));
    if (!cur) return;
    if (key.return) return leave({ name: cur.name, socket: cur.entry.view.tmuxSocket });
    if (input === "s") return setMode({ kind: "input", purpose: "send", text: "", target: cur.name });
    if (input === "K") return setMode({ kind: "confirm", purpose: "kill", target: cur.name, question: `Kill ${cur.name}? It stops the agent and removes the worktree. [y/N]` });
    if ("oaxipR".includes(input) && input.length === 1) run(input, cur.name);
  });

  const rows = size.rows - 1; // one line short of the screen: Ink redraws a full-height frame from scratch each time
  // What the screen shows of the list, for the feed to know which ages it draws (set while rendering: it only reads it at its next tick).
  if (size.columns < MIN_COLUMNS || rows < MIN_ROWS || mode.kind === "help") feed.shows([]);
  if (size.columns < MIN_COLUMNS || rows < MIN_ROWS) return h(Text, { wrap: "wrap" }, tooSmall(size.columns, size.rows));
  if (mode.kind === "help") return h(Box, { flexDirection: "column", height: rows }, ...HELP.map((l, i) => h(Text, { key: i, wrap: "truncate" }, l)));

  const area = areas(rows, items.length);
  const cols = columns(size.columns, items);
  offset.current = scrollTo(offset.current, current?.line ?? 0, area.list, items.length);
  const now = snap?.at ?? Date.now(); // the ages the feed saw change
  const onScreen = items.slice(offset.current, offset.current + area.list);
  feed.shows(onScreen.flatMap((it) => (it.kind === "session" ? [it.entry.view.name] : [])));
  const visible = onScreen.map((it) => {
    if (it.kind === "group") return groupRow(it.project, it.count, snap?.groups.find((g) => g.project === it.project)?.entries.filter((e) => e.attention.length).length ?? 0);
    return sessionRow(it.entry, cols, now, it.entry.view.name === current?.name);
  });
  const empty = !snap ? "Reading sessions…" : items.length ? undefined : liveFilter ? `No session matches "${liveFilter}".` : "No sessions. Start one: ao spawn <project> [issue]";
  const header: Line = [
    { text: "ao dash", bold: true },
    { text: `  ${snap?.count ?? 0} session${snap?.count === 1 ? "" : "s"}` },
    ...(snap?.needYou ? [{ text: `, ${snap.needYou} need you`, color: "yellow" as const, bold: true }] : []),
    ...(liveFilter ? [{ text: `  filter: ${liveFilter}`, color: "cyan" as const }] : []),
    ...(items.length > area.list ? [{ text: `  ${offset.current + 1}-${Math.min(items.length, offset.current + area.list)} of ${items.length}`, dim: true }] : []),
  ];
  const read = preview && preview.name === current?.name ? previewLines(preview.text, area.preview) : [];
  const hint = current && !read.length ? previewHint(current.entry.view.status) : undefined;
  const shown = hint ? [hint] : read;
  const previewTitle: Line = [{ text: rule(`── ${current ? `${current.name}${current.entry.attention.length ? ` (${current.entry.attention.join(", ")})` : ""}` : "preview"} `, size.columns), dim: true }];
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
  lines.push(previewTitle, ...shown.map((t) => [{ text: t || " " }]));
  while (lines.length < rows - 2) lines.push([{ text: " " }]);
  lines.push(statusLine, [{ text: footer(size.columns), dim: true }]);
  return h(Box, { flexDirection: "column", height: rows }, ...lines.map((l, i) => renderLine(l, color, i)));
}
