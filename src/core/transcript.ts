/**
 * A session's transcript: every byte its pane printed, from spawn to end, in
 * `<sessionsDir>/<name>.log` (mode 0600). tmux's `pipe-pane`, started in the
 * same tmux command that creates the session, appends the raw output; every
 * start of the agent (spawn, restore, a cold resume) first appends a marker, so
 * one file holds the whole life across pause, restore and a dead tmux server
 * (what was written before the crash is on disk). The file is bounded: past
 * `logs.maxBytes` it becomes `<name>.log.1` (the one previous segment kept) and a
 * new one starts. `logs` renders the bytes through a terminal emulator
 * (terminal-text.ts), each life in a fresh terminal, with a line per marker.
 * The transcript is kept when the session is killed or cleaned, until its
 * record is removed.
 *
 * Sessions started before transcripts existed have no such file: they are read
 * from tmux (and from the text `kill` kept) as before.
 */
import { join } from "node:path";
import type { Context } from "./context.js";
import { AoError } from "./errors.js";
import type { SessionRecord } from "./record.js";
import { tmuxOf } from "./runtime.js";
import type { TerminalText } from "./terminal-text.js";
import { legacyFollow, legacyTranscript } from "./transcript-legacy.js";

export type LifeStart = "started" | "restored" | "resumed";

type Named = Pick<SessionRecord, "project" | "name">;

export function transcriptPaths(ctx: Pick<Context, "store">, r: Named): { current: string; previous: string } {
  const current = join(ctx.store.sessionsDir(r.project), `${r.name}.log`);
  return { current, previous: `${current}.1` };
}

/** An OSC sequence no terminal acts on: invisible when the raw file is printed, unambiguous to split on. */
const MARK_START = "\x1b]6973;ao:";
const MARK = /\x1b\]6973;ao:(started|restored|resumed);([0-9TZ:.-]{1,40})\x07/g;

export function lifeMarker(kind: LifeStart, at: string): string {
  return `${MARK_START}${kind};${at}\x07`;
}

/**
 * Starts a life of the session's transcript: appends its marker (creating the
 * file 0600; a symlink or other non-file there is refused, never followed) and
 * returns the `pipe-pane` command that appends the pane's output.
 */
export function beginLife(ctx: Pick<Context, "store" | "files" | "now" | "config">, r: Named, kind: LifeStart): string {
  const { current } = transcriptPaths(ctx, r);
  ctx.files.appendPrivate(current, lifeMarker(kind, new Date(ctx.now()).toISOString()));
  return pipeCommand(current, ctx.config.transcriptMaxBytes);
}

/**
 * The shell command tmux runs (through /bin/sh) to write a pane's output to
 * `path`. Its only variable part is that path, single-quoted; tmux expands
 * `#{…}` formats and strftime `%` sequences in the command first, so `#` and `%`
 * are doubled. `dd` copies with plain read/write (no stdio buffer: what the
 * pane printed is on disk at once, and nothing is lost should tmux die), at
 * most `count` reads per run, into a descriptor opened once per part; a run
 * that read nothing ("0+0 records in") means the pane's output has ended.
 * Between runs a full file becomes `path.1`, so a file holds at most
 * maxBytes + one run (an eighth more). The loop also ends when the file is
 * gone or replaced by a symlink: it never re-creates a transcript that was
 * removed, nor writes through a link.
 */
export function pipeCommand(path: string, maxBytes: number): string {
  const reads = Math.max(1, Math.min(256, Math.floor(maxBytes / 8 / 4096)));
  const script = [
    "umask 077",
    `f=${shellQuote(path)}`,
    'mine() { [ -f "$f" ] && [ ! -L "$f" ]; }',
    'mine && exec 3>>"$f" || exit 1',
    "while mine; do",
    `r=$(LC_ALL=C dd bs=4096 count=${reads} 2>&1 >&3) || exit 1`,
    'case $r in "0+0 "*) exit 0 ;; esac',
    `[ "$(( $(wc -c < "$f") ))" -lt ${maxBytes} ] || { mv -f "$f" "$f.1" && : >> "$f" && mine && exec 3>>"$f"; } || exit 1`,
    "done",
  ].join("\n");
  return script.replace(/[#%]/g, (c) => c + c);
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The raw transcript, older segment first; undefined when the session has none. */
function readRaw(ctx: Context, r: Named): { bytes: Buffer; rotated: boolean; ino: number; size: number } | undefined {
  const paths = transcriptPaths(ctx, r);
  const previous = ctx.files.readFrom(paths.previous, 0);
  const current = ctx.files.readFrom(paths.current, 0);
  if (!current) return undefined;
  const bytes = previous ? Buffer.concat([previous.data, current.data]) : current.data;
  // The oldest part starts with the spawn's marker until a second rotation drops it.
  const spawned = Buffer.from(`${MARK_START}started;`, "latin1");
  return { bytes, rotated: previous !== undefined && !bytes.subarray(0, spawned.length).equals(spawned), ino: current.ino, size: current.size };
}

const noTranscript = (name: string) => new AoError(`No transcript for ${name}: its tmux session is gone and none was kept`, { hint: "Transcripts are kept from spawn on; this session's output is gone." });

/** The whole life of the session as plain text; `live` while its tmux session exists. */
export async function sessionTranscript(ctx: Context, record: SessionRecord): Promise<{ text: string; live: boolean }> {
  const live = (await tmuxOf(ctx, record).listSessions()).has(record.tmuxSession);
  const raw = readRaw(ctx, record);
  if (!raw) return legacyTranscript(ctx, record, live, noTranscript);
  const lines = await renderTranscript(raw.bytes, raw.rotated ? rotatedNote(ctx.config.transcriptMaxBytes) : undefined);
  return { text: lines.length ? `${lines.join("\n")}\n` : "", live };
}

/** Raw transcript bytes as lines of text, `note` first. */
export async function renderTranscript(bytes: Buffer, note?: string): Promise<string[]> {
  const view = await TranscriptView.create(note);
  try {
    await view.feed(bytes);
    return view.lines();
  } finally {
    view.dispose();
  }
}

/**
 * The transcript's lines (after the first `from`, or only the last `tail` of
 * what is there), then each line the agent prints, until its runtime ends or
 * `signal` aborts. A TUI that redraws its screen is followed by line count, so
 * only growth is shown.
 */
export async function* followSessionTranscript(ctx: Context, record: SessionRecord, opts: { from?: number; tail?: number; signal?: AbortSignal; pollMs?: number }): AsyncGenerator<string> {
  const raw = readRaw(ctx, record);
  const tmux = tmuxOf(ctx, record);
  if (!raw) {
    yield* legacyFollow(ctx, record, opts, noTranscript);
    return;
  }
  const view = await TranscriptView.create(raw.rotated ? rotatedNote(ctx.config.transcriptMaxBytes) : undefined);
  try {
    await view.feed(raw.bytes);
    let lines = view.lines();
    let seen = Math.max(opts.from ?? 0, opts.tail === undefined ? 0 : lines.length - opts.tail);
    const pos = { ino: raw.ino, offset: raw.size };
    for (let ended = false; ; ) {
      for (const line of lines.slice(seen)) yield line;
      seen = Math.max(seen, lines.length);
      if (ended || opts.signal?.aborted) return;
      const alive = (await tmux.listSessions()).get(record.tmuxSession)?.alive ?? false;
      // Once the runtime is gone its writer may still be finishing: one last read after a moment.
      await new Promise((r) => setTimeout(r, alive ? (opts.pollMs ?? 300) : 200));
      ended = !alive;
      await view.feed(readNew(ctx, record, pos));
      lines = view.lines();
    }
  } finally {
    view.dispose();
  }
}

/** The bytes written since `pos` (which it moves on); after a rotation, the rest of the old file (now `.1`) and the new one. */
export function readNew(ctx: Pick<Context, "store" | "files">, r: Named, pos: { ino: number; offset: number }): Buffer {
  const paths = transcriptPaths(ctx, r);
  const current = ctx.files.readFrom(paths.current, pos.offset);
  if (current?.ino === pos.ino) {
    pos.offset = current.size;
    return current.data;
  }
  const rest = ctx.files.readFrom(paths.previous, pos.offset);
  const fresh = ctx.files.readFrom(paths.current, 0);
  const parts = [rest?.ino === pos.ino ? rest.data : Buffer.alloc(0), fresh?.data ?? Buffer.alloc(0)];
  if (fresh) Object.assign(pos, { ino: fresh.ino, offset: fresh.size });
  return Buffer.concat(parts);
}

function rotatedNote(maxBytes: number): string {
  return `--- older output was rotated away (a transcript keeps its last ${size(maxBytes)} to ${size(2 * maxBytes)}) ---`;
}

function size(bytes: number): string {
  return bytes >= 1 << 20 ? `${+(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/**
 * The transcript as text, fed incrementally: each life (from one marker to the
 * next) through a fresh terminal, so what one agent left on the screen or in
 * the terminal's modes does not garble the next; a line names each start.
 */
export class TranscriptView {
  private readonly done: string[] = [];
  private carry = Buffer.alloc(0);

  private constructor(private term: TerminalText, private readonly create: () => Promise<TerminalText>, note?: string) {
    if (note) this.done.push(note);
  }

  static async create(note?: string): Promise<TranscriptView> {
    const { TerminalText } = await import("./terminal-text.js");
    return new TranscriptView(await TerminalText.create(), () => TerminalText.create(), note);
  }

  async feed(bytes: Buffer): Promise<void> {
    const all = this.carry.length ? Buffer.concat([this.carry, bytes]) : bytes;
    const text = all.toString("latin1"); // one char per byte: indices are byte offsets
    let at = 0;
    for (const m of text.matchAll(MARK)) {
      await this.term.write(all.subarray(at, m.index));
      for (const line of this.term.lines()) this.done.push(line);
      this.term.dispose();
      this.term = await this.create();
      this.done.push(`--- ${m[1]} at ${m[2]} ---`);
      at = m.index + m[0].length;
    }
    // A marker cut off at the end of what was read yet is kept for the next read.
    const esc = text.lastIndexOf("\x1b");
    const tail = esc >= at ? text.slice(esc) : "";
    const partial = tail.length < 64 && (MARK_START.startsWith(tail) || (tail.startsWith(MARK_START) && !tail.includes("\x07")));
    const end = partial && tail ? esc : all.length;
    await this.term.write(all.subarray(at, end));
    this.carry = Buffer.from(all.subarray(end));
  }

  lines(): string[] {
    return [...this.done, ...this.term.lines()];
  }

  dispose(): void {
    this.term.dispose();
  }
}
