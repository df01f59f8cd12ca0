/**
 * The dash's screen and keys (Ink). It shows what the feed brings and turns keys
 * into orchestrator calls (dash/actions.ts); nothing here decides a status.
 * Plain .ts with createElement, so the build needs no JSX setting.
 */
import { createElement as h, useEffect, useMemo, useRef, useState, type ReactElement } from "react";
import { Box, Text, useApp, useInput, useStdout, type Key } from "ink";
import type { Orchestrator } from "../../core/orchestrator.js";
import { act, type Outcome } from "./actions.js";
import type { DashFeed, Preview, Snapshot } from "./feed.js";
import { dashFrame, frameRows, listed, type Mode } from "./frame.js";
import { areas, editLine, type Line } from "./layout.js";
import stringWidth from "./string-width.js";

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

/**
 * Input this close to other input came with it: a paste, the rest of a read Ink cut at an escape
 * sequence, keys typed while the dash loaded. People pressing keys one at a time are slower.
 */
const BURST_MS = 30;

/** The keys that act on an agent: reply once/always/reject, interrupt, pause or resume, restore. */
const AGENT_KEYS = "oaxipR";

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
  const list = useMemo(() => listed(snap, liveFilter, selected), [snap, liveFilter, selected]);
  const { items, sessions, current } = list;
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

  const onKey = (input: string, key: Key) => {
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
    const page = Math.max(1, areas(frameRows(size.rows), items.length).list - 1);
    const move = (to: number) => sessions.length && setSelected(sessions[Math.max(0, Math.min(sessions.length - 1, to))]!.name);
    if (key.upArrow || input === "k") return move(index - 1);
    if (key.downArrow || input === "j") return move(index + 1);
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
    if (AGENT_KEYS.includes(input) && input.length === 1 && !key.meta && !key.ctrl) run(input, cur.name);
  };

  // When the last input came, and a decisive key held back until it is known to have come alone.
  const lastInput = useRef(0);
  const held = useRef<{ key: string; timer: NodeJS.Timeout } | undefined>(undefined);
  useEffect(() => () => clearTimeout(held.current?.timer), []);

  useInput((input, key) => {
    const now = Date.now();
    const burst = now - lastInput.current < BURST_MS;
    lastInput.current = now;
    const ignored: string[] = [];
    const notDone = () => ignored.length && setStatus({ text: `Not done: ${ignored.join(" ")}. Pressed together with other keys (a paste?): keys that act on an agent count only one at a time.`, error: true });
    // A key held back, and then more input right after it: it was part of a burst.
    if (held.current) {
      clearTimeout(held.current.timer);
      ignored.push(held.current.key);
      held.current = undefined;
    }
    const chars = [...input];
    const mode = modeNow();
    const plain = !key.ctrl && !key.meta;
    // The keys that decide alone: one that acts on an agent, the answer to a question, the Enter that
    // sends a line. Each counts only pressed alone: not within BURST_MS of other input, before or after
    // (a paste, a key after an escape sequence that Ink cut from the same read, keys typed while the
    // dash loaded). It is held back BURST_MS to see that nothing follows.
    const decisive = chars.length === 1 && plain && ((mode.kind === "list" && AGENT_KEYS.includes(input)) || (mode.kind === "confirm" && /^[yY]$/.test(input)));
    if (decisive || (mode.kind === "input" && key.return)) {
      if (burst) {
        if (mode.kind === "confirm") return onKey("n", key); // not an answer: the question stays unanswered ("Not killed")
        if (mode.kind === "list") ignored.push(input);
        return notDone();
      }
      held.current = { key: input || "Enter", timer: setTimeout(() => ((held.current = undefined), onKey(input, key)), BURST_MS) };
      return notDone();
    }
    if (mode.kind === "confirm" && chars.length === 1 && /^[yY]$/.test(input)) return onKey("n", key); // y with Alt or Ctrl is no answer
    // Several characters in one read into a line: a paste, which never sends it.
    if (mode.kind === "input" && chars.length > 1) return onKey(input.replace(/[\r\n]+/g, " "), key);
    if (chars.length < 2 || !plain || mode.kind !== "list") return (onKey(input, key), notDone());
    // Several keys in one read: typed while Ink loaded (the first frame is painted before), typed faster
    // than a read, or pasted. Moves, help, quit and attach act, each in turn. s and / open their line with
    // the rest as its text, not yet sent. K asks, and nothing after it in the read answers: the question
    // was not on screen yet. The keys that act on an agent (o a x i p R) never act from such a read.
    const none = Object.fromEntries(Object.entries(key).map(([k, v]) => [k, typeof v === "boolean" ? false : v])) as Key;
    for (const [i, c] of chars.entries()) {
      const at = modeNow().kind;
      if (at === "confirm") break;
      if (c === "\x03") return leave(); // Ctrl-C
      if (at === "list" && AGENT_KEYS.includes(c)) {
        ignored.push(c);
        continue;
      }
      if (c === "\r" || c === "\n") return (onKey("", { ...none, return: true }), notDone());
      onKey(c, { ...none, shift: /[A-Z]/.test(c) });
      if (c === "q" && at === "list") return;
      if (modeNow().kind === "input") {
        const text = chars.slice(i + 1).join("").split(/[\r\n]/)[0]!;
        if (text) onKey(text, none);
        break;
      }
    }
    notDone();
  });

  const frame = dashFrame({ columns: size.columns, rows: size.rows, snap, preview, list, filter: liveFilter, mode, status, offset: offset.current, measure: stringWidth });
  // What the screen shows of the list, for the feed to know which ages it draws (set while rendering: it only reads it at its next tick).
  feed.shows(frame.kind === "lines" ? frame.onScreen : []);
  if (frame.kind !== "lines") return h(Text, { wrap: "wrap" }, frame.kind === "small" ? frame.text : "");
  offset.current = frame.offset;
  const { lines } = frame;
  return h(Box, { flexDirection: "column", height: frameRows(size.rows) }, ...lines.map((l, i) => renderLine(l, color, i)));
}
