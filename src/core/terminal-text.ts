/**
 * Raw terminal output → the plain text a user saw, through a real terminal
 * emulator (@xterm/headless), never by stripping escape sequences by hand: a
 * TUI's cursor moves, redraws and erasures leave what was on the screen.
 *
 * A terminal keeps a bounded scrollback, so lines are harvested as they scroll
 * off the screen (they no longer change there) and the emulator's memory stays
 * small however long the transcript is. Output is written in chunks small
 * enough that no chunk can scroll more lines than the scrollback holds; a
 * clear of the scrollback (CSI 3 J), a full reset (ESC c) and leaving the
 * alternate screen (where full-screen TUIs draw) harvest first, so what they
 * erase stays in the text. Loaded only by the commands that render (`logs`):
 * the emulator is not a cost of `ls`.
 */
import type { IMarker, Terminal } from "@xterm/headless";

/** The size tmux gives a new session (tmux.ts newSession). */
const COLS = 200;
const ROWS = 50;
const CHUNK = 4096;
const BATCH = 8 << 20;
/** More than one chunk can scroll (a byte per line), plus the screen. */
const SCROLLBACK = CHUNK + ROWS + 100;

let loaded: Promise<typeof Terminal> | undefined;
// @xterm/headless is CommonJS: its exports are the default export under ESM.
const terminalClass = () => (loaded ??= import("@xterm/headless").then((m) => ((m as unknown as { default?: { Terminal: typeof Terminal } }).default ?? m).Terminal));

export class TerminalText {
  /** Final lines: scrolled off the screen, or kept before an erase. */
  private readonly out: string[] = [];
  private mark: IMarker | undefined;
  /** Where the next final line starts while no marker can be set (the alternate screen is active). */
  private pendingFrom = 0;

  private constructor(private readonly term: Terminal) {
    this.mark = term.registerMarker(0);
    const { parser } = term;
    parser.registerCsiHandler({ final: "J" }, (params) => {
      if (params[0] === 3 && this.term.buffer.active.type === "normal") {
        this.keep(this.term.buffer.normal.baseY);
        // The scrollback goes: the screen's first line becomes line 0.
        this.mark?.dispose();
        this.mark = undefined;
        this.pendingFrom = 0;
      }
      return false; // the terminal still does it
    });
    parser.registerEscHandler({ final: "c" }, () => {
      this.leaveAlternate(true);
      return false;
    });
    parser.registerCsiHandler({ prefix: "?", final: "l" }, (params) => {
      if (params.some((p) => p === 47 || p === 1047 || p === 1049)) this.leaveAlternate(false);
      return false;
    });
    term.buffer.onBufferChange((b) => {
      if (b.type === "normal" && !this.mark) this.mark = term.registerMarker(this.pendingFrom - term.buffer.normal.baseY - term.buffer.normal.cursorY);
    });
  }

  static async create(): Promise<TerminalText> {
    const Term = await terminalClass();
    // scrollOnEraseInDisplay: a cleared screen goes into the scrollback, as tmux's scroll-on-clear does.
    return new TerminalText(new Term({ cols: COLS, rows: ROWS, scrollback: SCROLLBACK, allowProposedApi: true, scrollOnEraseInDisplay: true }));
  }

  /** Feeds raw output; resolves once it is on the emulated screen. */
  async write(bytes: Uint8Array): Promise<void> {
    // Batches stay far below the 50 MB the emulator accepts unprocessed before it drops data.
    for (let from = 0; from < bytes.length; from += BATCH) await this.writeBatch(bytes.subarray(from, from + BATCH));
  }

  private writeBatch(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      // Queued at once: the emulator runs the callbacks between chunks, without a timer per chunk.
      for (let at = 0; at < bytes.length; at += CHUNK) {
        const last = at + CHUNK >= bytes.length;
        this.term.write(bytes.subarray(at, at + CHUNK), () => {
          if (this.term.buffer.active.type === "normal") this.keep(this.term.buffer.normal.baseY);
          if (last) resolve();
        });
      }
    });
  }

  /** Everything so far: the final lines, then the screen (the alternate one when a TUI is drawing there). */
  lines(): string[] {
    const lines = [...this.out];
    const normal = this.term.buffer.normal;
    this.collect(normal, this.from(), normal.length, lines);
    if (this.term.buffer.active.type === "alternate") this.appendScreen(lines);
    return trimBlank(lines);
  }

  dispose(): void {
    this.term.dispose();
  }

  /** The first line not yet final (a marker trimmed off the scrollback: the oldest line there). */
  private from(): number {
    if (!this.mark) return this.pendingFrom;
    return this.mark.isDisposed ? 0 : this.mark.line;
  }

  /** Moves the normal buffer's lines before `upTo` into the final lines. */
  private keep(upTo: number): void {
    const from = this.from();
    if (upTo <= from) return;
    this.collect(this.term.buffer.normal, from, upTo, this.out);
    this.mark?.dispose();
    this.mark = this.term.registerMarker(upTo - this.term.buffer.normal.baseY - this.term.buffer.normal.cursorY);
  }

  /**
   * A full-screen TUI leaving the alternate screen (or a reset) would take its
   * last screen with it: the normal lines above the cursor and that screen
   * become final, in that order.
   */
  private leaveAlternate(reset: boolean): void {
    const { normal, active } = this.term.buffer;
    const onAlt = active.type === "alternate";
    if (!onAlt && !reset) return;
    const upTo = reset && !onAlt ? normal.length : normal.baseY + normal.cursorY;
    this.collect(normal, this.from(), upTo, this.out);
    trimBlank(this.out); // the empty rows below the text are no lines of it
    if (onAlt) this.appendScreen(this.out);
    // Markers live in the active buffer: the next one is set once the normal buffer is back
    // (a reset empties it: lines start at 0 again).
    this.mark?.dispose();
    this.mark = undefined;
    this.pendingFrom = reset ? 0 : upTo;
  }

  /** The alternate screen's non-blank rows (a TUI may start drawing anywhere on it), after the text so far. */
  private appendScreen(into: string[]): void {
    const screen: string[] = [];
    this.collect(this.term.buffer.alternate, 0, this.term.buffer.alternate.length, screen);
    trimBlank(into);
    into.push(...trimBlank(screen.slice(screen.findIndex((l) => l.trim()))));
  }

  /** Appends lines [from, to) of a buffer, joining wrapped rows into one line. */
  private collect(buffer: Terminal["buffer"]["normal"], from: number, to: number, into: string[]): void {
    for (let i = from; i < to; i++) {
      const line = buffer.getLine(i);
      if (!line) continue;
      // A row that continues on the next keeps its trailing spaces: they are part of the line.
      // Others lose them, as tmux's capture-pane drops them.
      const text = buffer.getLine(i + 1)?.isWrapped ? line.translateToString(false) : line.translateToString(true).trimEnd();
      if (line.isWrapped && into.length) into[into.length - 1] += text;
      else into.push(text);
    }
  }
}

function trimBlank(lines: string[]): string[] {
  while (lines.length && !lines[lines.length - 1]!.trim()) lines.pop();
  return lines;
}
