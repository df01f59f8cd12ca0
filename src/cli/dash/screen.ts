/**
 * The terminal the dash draws on, apart from Ink (which loads after the first
 * frame is on screen): its alternate screen, entered and always left again, and
 * a frame of lines painted straight onto it.
 */
import { constants } from "node:os";
import { CONTROL_ALL } from "./frame.js";
import type { Colour, Line } from "./layout.js";

const ENTER_ALT = "\x1b[?1049h\x1b[H\x1b[2J";
const LEAVE_ALT = "\x1b[?25h\x1b[?1049l";
const HIDE_CURSOR = "\x1b[?25l";

const SGR: Record<Colour, number> = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90 };

/**
 * The lines as terminal output, each at its row from the top, with the styles
 * the Ink screen gives them (app.ts: colour and dim only with `color`; none at
 * all without `styled`, where Ink's chalk draws none: FORCE_COLOR=0,
 * --no-color, TERM=dumb), and the cursor hidden and back at the top left,
 * where Ink writes its first frame.
 */
export function paintLines(lines: readonly Line[], color: boolean, styled = true): string {
  let out = HIDE_CURSOR;
  lines.forEach((line, row) => {
    out += `\x1b[${row + 1};1H`;
    for (const s of line) {
      const codes = !styled ? [] : [...(s.bold ? [1] : []), ...(color && s.dim ? [2] : []), ...(s.inverse ? [7] : []), ...(color && s.color ? [SGR[s.color]] : [])];
      // Control characters never reach the terminal (dashFrame blanks them already; the painter does not rely on it).
      const text = s.text.replace(CONTROL_ALL, " ");
      out += codes.length ? `\x1b[${codes.join(";")}m${text}\x1b[0m` : text;
    }
  });
  return `${out}\x1b[H`;
}

/**
 * The signals whose default action ends the process and that Node lets a
 * program handle (SIGUSR1 is Node's inspector; SIGPROF is V8's profiler's;
 * SIGSEGV and SIGBUS are not safe to handle in JavaScript). Each ends the dash through
 * process.exit, so that the screen is left and Node puts the terminal's modes
 * back (raw mode is on from the first frame; Node resets them on its own only
 * for SIGINT and SIGTERM).
 */
const FATAL = (["SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR2", "SIGALRM", "SIGVTALRM", "SIGXCPU", "SIGXFSZ", "SIGTRAP", "SIGSYS", "SIGABRT", "SIGIO", "SIGPWR", "SIGSTKFLT"] as NodeJS.Signals[]).filter((s) => constants.signals[s] !== undefined);

export class DashTerminal {
  private onAlt = false;
  /** The size a frame was painted at, until Ink draws over it. */
  private painted?: string;
  private readonly onSignal = (signal: NodeJS.Signals) => process.exit(128 + (constants.signals[signal] ?? 15));

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  /** From now until close(), however the process ends (a signal, a crash), the user's screen comes back. */
  open(): void {
    process.on("exit", this.leave);
    for (const signal of FATAL) process.once(signal, this.onSignal);
  }

  /** On the alternate screen, cleared. */
  enter(): void {
    this.out.write(ENTER_ALT);
    this.onAlt = true;
  }

  /** Onto the alternate screen (once there, over what it shows): `lines` from the top. */
  paint(lines: readonly Line[], color: boolean, styled: boolean): void {
    if (!this.onAlt) this.enter();
    this.out.write(paintLines(lines, color, styled));
    this.painted = this.size();
  }

  /**
   * Ink mounts now. Its first frame is written over the painted one, which it
   * knows nothing of: fine at the same size (the same lines, cell for cell), but
   * after a resize what Ink does not cover would stay, so the screen is cleared.
   */
  handOver(): void {
    if (this.painted !== undefined && this.painted !== this.size()) this.out.write("\x1b[H\x1b[2J");
    this.painted = undefined;
  }

  private size(): string {
    return `${this.out.columns}x${this.out.rows}`;
  }

  /** The screen as it was before the dash, cursor shown. */
  readonly leave = (): void => {
    if (this.onAlt) this.out.write(LEAVE_ALT);
    this.onAlt = false;
  };

  close(): void {
    this.leave();
    process.off("exit", this.leave);
    for (const signal of FATAL) process.off(signal, this.onSignal);
  }
}
