/**
 * The dash's first frame is painted before Ink loads (cli/dash/screen.ts), and
 * Ink's first frame is then drawn over it: both must put the same characters,
 * with the same styles, in the same cells. Both are played into a headless
 * terminal (@xterm/headless, a real emulator) and compared cell by cell.
 */
import { EventEmitter } from "node:events";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { dashGroups } from "../../src/core/attention.js";
import type { SessionView } from "../../src/core/plan.js";
import type { PullRequestInfo } from "../../src/core/record.js";
import type { Orchestrator } from "../../src/core/orchestrator.js";
import type { DashFeed, Preview, Snapshot } from "../../src/cli/dash/feed.js";
import { clip, dashFrame, listed } from "../../src/cli/dash/frame.js";
import { narrowWidth } from "../../src/cli/dash/narrow-width.js";
import stringWidth from "../../src/cli/dash/string-width.js";
import { DashTerminal, paintLines } from "../../src/cli/dash/screen.js";

// Ink's colours come from chalk, which decides once, as it loads, from the environment: a terminal with
// colour. Ink decides as it loads whether it runs in CI (and then draws nothing until exit): as the dash
// does (commands/dash.ts), CI is hidden while it loads.
process.env.FORCE_COLOR = "1";
const ci = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;
const { createElement: h } = await import("react");
const { render } = await import("ink");
for (const [k, v] of Object.entries(ci)) if (v !== undefined) process.env[k] = v;
const { App } = await import("../../src/cli/dash/app.js");
const { Terminal } = ((await import("@xterm/headless")) as unknown as { default: typeof import("@xterm/headless") }).default;

const NOW = Date.parse("2026-01-01T12:00:00Z");
const pr = (extra: Partial<PullRequestInfo> = {}): PullRequestInfo => ({ number: 7, url: "https://github.com/a/b/pull/7", state: "OPEN", merged: false, mergedAt: null, headRefOid: "a".repeat(40), isDraft: false, ...extra });
const view = (name: string, status: SessionView["status"], extra: Partial<SessionView> = {}) =>
  ({ name, project: "my-app", branch: `feat/${name}`, status, storedStatus: "working", title: null, prUrl: null, lastActivityAt: new Date(NOW - 65_000).toISOString(), ...extra }) as SessionView;

function snapshot(views: SessionView[], extra: Partial<Snapshot> = {}): Snapshot {
  const groups = dashGroups(views);
  return { groups, count: views.length, needYou: groups.reduce((n, g) => n + g.entries.filter((e) => e.attention.length).length, 0), damaged: 0, at: NOW, ...extra };
}

/** What the dash's first look saw, as the feed hands it to the screen; it never ticks here. */
function stillFeed(snap: Snapshot, preview?: Preview): DashFeed {
  return { snapshot: snap, preview, start() {}, stop() {}, select() {}, shows() {}, refreshSoon() {} } as unknown as DashFeed;
}

/** A terminal of cols x rows, as a tty: what Ink needs of stdout and stdin. */
function tty(cols: number, rows: number) {
  const out = Object.assign(new PassThrough(), { columns: cols, rows, isTTY: true });
  const chunks: string[] = [];
  out.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
  const stdin = Object.assign(new EventEmitter(), { isTTY: true, setRawMode() {}, setEncoding() {}, ref() {}, unref() {}, read: () => null, resume() {}, pause() {} });
  return { out, stdin, written: () => chunks.join("") };
}

/** Every cell of a terminal after `output`: its character and the styles the dash uses. */
async function cells(cols: number, rows: number, output: string): Promise<string[][]> {
  const term = new Terminal({ cols, rows, allowProposedApi: true, convertEol: true });
  await new Promise<void>((r) => term.write(output, r));
  const buf = term.buffer.active;
  const grid: string[][] = [];
  for (let y = 0; y < rows; y++) {
    const line = buf.getLine(y)!;
    const row: string[] = [];
    for (let x = 0; x < cols; x++) {
      const c = line.getCell(x)!;
      row.push(`${c.getChars() || " "}|${c.isFgDefault() ? "-" : c.getFgColor()}|${c.isBold() ? "b" : ""}${c.isDim() ? "d" : ""}${c.isInverse() ? "i" : ""}`);
    }
    grid.push(row);
  }
  term.dispose();
  return grid;
}

async function inkFrame(feed: DashFeed, color: boolean, cols: number, rows: number): Promise<string> {
  const t = tty(cols, rows);
  const app = render(h(App, { ao: {} as Orchestrator, color, feed, initial: { filter: "" }, onLeave() {} }), {
    stdout: t.out as unknown as NodeJS.WriteStream,
    stdin: t.stdin as unknown as NodeJS.ReadStream,
    patchConsole: false,
    exitOnCtrlC: false,
  });
  // Ink writes a frame at once: the footer ("K kill") is in it when the frame is.
  for (let i = 0; i < 100 && !t.written().includes("K kill"); i++) await new Promise((r) => setTimeout(r, 20));
  const text = t.written();
  app.unmount();
  return text;
}

function painted(feed: DashFeed, color: boolean, cols: number, rows: number): string | undefined {
  const f = dashFrame({ columns: cols, rows, snap: feed.snapshot, preview: feed.preview, list: listed(feed.snapshot, "", undefined), filter: "", mode: { kind: "list" }, offset: 0, measure: narrowWidth });
  return f.kind === "lines" ? paintLines(f.lines, color) : undefined;
}

describe("the dash's first frame, painted before Ink loads (cli/dash/frame.ts, screen.ts)", () => {
  const views = [
    view("ma-1", "idle", { pr: pr({ checksState: "failing", reviewState: "changes_requested" }), title: "A rather long title that will never fit beside everything else on one line" }),
    view("ma-2", "waiting"),
    view("ma-3", "dead"),
    view("ma-4", "working", { pr: pr({ number: 12, checksState: "passing", reviewState: "approved" }) }),
    ...Array.from({ length: 30 }, (_, i) => view(`ma-${i + 5}`, "idle")),
  ];
  const preview: Preview = { name: "ma-2", text: `Permission needed: deploy to staging ${"x".repeat(150)}\n  1. Yes\n  2. No\n` };

  for (const [cols, rows, color] of [[100, 30, true], [80, 24, true], [120, 40, false]] as const) {
    it(`is what Ink draws, cell for cell and style for style (${cols}x${rows}, ${color ? "colour" : "NO_COLOR"})`, async () => {
      const feed = stillFeed(snapshot(views, { watch: undefined }), preview);
      const paint = painted(feed, color, cols, rows);
      expect(paint).toBeDefined();
      const mine = await cells(cols, rows, paint!);
      const ink = await cells(cols, rows, await inkFrame(feed, color, cols, rows));
      // The frame is all there: the list, the preview of the first session, the footer.
      const text = mine.map((r) => r.map((c) => c.split("|")[0]).join(""));
      expect(text.join("\n")).toContain("> ma-2");
      expect(text.join("\n")).toContain("Permission needed: deploy to staging");
      expect(text.some((l) => /q quit|\/ \? q/.test(l))).toBe(true);
      expect(text.every((l) => stringWidth(l) === cols)).toBe(true);
      if (color) expect(mine.flat().some((c) => c.split("|")[1] !== "-")).toBe(true);
      else expect(mine.flat().every((c) => c.split("|")[1] === "-")).toBe(true);
      expect(mine).toEqual(ink);
    });
  }

  it("leaves text only string-width can measure (wide characters, emoji) for Ink to draw", () => {
    const feed = stillFeed(snapshot([view("ma-1", "idle", { title: "日本語のタイトル 👍" })]), { name: "ma-1", text: "ready" });
    expect(painted(feed, true, 100, 30)).toBeUndefined();
    const plain = stillFeed(snapshot([view("ma-1", "idle", { title: "A plain title" })]), { name: "ma-1", text: "ready" });
    expect(painted(plain, true, 100, 30)).toBeDefined();
  });

  it("paints no style where Ink's chalk draws none, and no control character from a session's data", () => {
    const line = [{ text: "> ma-1", bold: true, inverse: true }, { text: " feat/x\u001b]2;PWNED\u0007", color: "cyan" as const }];
    expect(paintLines([line], true)).toMatch(/\x1b\[1;7m> ma-1\x1b\[0m\x1b\[36m feat\/x \]2;PWNED \x1b\[0m/);
    expect(paintLines([line], true, false)).not.toMatch(/\x1b\[[\d;]*m/);
    const f = dashFrame({ columns: 80, rows: 24, snap: snapshot([view("ma-1", "idle", { branch: "x\u001b[41mRED" })]), list: listed(snapshot([view("ma-1", "idle", { branch: "x\u001b[41mRED" })]), "", undefined), filter: "", mode: { kind: "list" }, offset: 0, measure: narrowWidth });
    expect(f.kind === "lines" && f.lines.flat().some((seg) => seg.text.includes("x [41mRED"))).toBe(true);
    expect(f.kind === "lines" && f.lines.flat().every((seg) => !/[\u0000-\u001f]/.test(seg.text))).toBe(true);
  });

  it("cuts a line to the width by what it measures, its last column an ellipsis", () => {
    expect(clip([{ text: "abc" }, { text: "defgh", color: "red" }], 6, narrowWidth)).toEqual([{ text: "abc" }, { text: "de…", color: "red" }]);
    expect(clip([{ text: "abcdef" }], 6, narrowWidth)).toEqual([{ text: "abcdef" }]);
    expect(clip([{ text: "日本語です" }], 6, stringWidth)).toEqual([{ text: "日本…" }]);
    expect(clip([{ text: "日本語" }], 6, narrowWidth)).toBeUndefined();
  });

  it("clears what Ink would not cover when the terminal was resized between the paint and Ink's mount", () => {
    const handOver = (resize: boolean) => {
      const t = tty(100, 30);
      const term = new DashTerminal(t.out as unknown as NodeJS.WriteStream);
      term.paint([[{ text: "ao dash" }]], false);
      const before = t.written();
      if (resize) Object.assign(t.out, { columns: 50, rows: 10 });
      term.handOver();
      const after = t.written().slice(before.length);
      term.close();
      return { before, after };
    };
    expect(handOver(false).before).toContain("ao dash");
    expect(handOver(false).after).toBe("");
    expect(handOver(true).after).toBe("\x1b[H\x1b[2J");
  });
});

describe("the dash's keys when several come in one read (typed while Ink loads, or pasted)", () => {
  const views = [view("ma-1", "waiting"), view("ma-2", "idle"), view("ma-3", "idle")];

  /** The dash mounted on a terminal whose reads return what `type` queued, all of it at once. */
  function mount() {
    const t = tty(100, 30);
    const queued: string[] = [];
    Object.assign(t.stdin, { read: () => queued.shift() ?? null });
    const calls: string[] = [];
    const ao = new Proxy({}, { get: (_, name) => (...args: unknown[]) => (calls.push(`${String(name)} ${JSON.stringify(args).slice(0, 60)}`), Promise.resolve(undefined)) });
    const left: unknown[] = [];
    const app = render(h(App, { ao: ao as Orchestrator, color: false, feed: stillFeed(snapshot(views), { name: "ma-1", text: "Permission needed: rm -rf build" }), initial: { filter: "" }, onLeave: (n) => left.push(n) }), {
      stdout: t.out as unknown as NodeJS.WriteStream,
      stdin: t.stdin as unknown as NodeJS.ReadStream,
      patchConsole: false,
      exitOnCtrlC: true,
    });
    const type = (chunk: string) => {
      queued.push(chunk);
      t.stdin.emit("readable");
    };
    /** The screen once it shows `what` (all Ink wrote, played into a terminal). */
    const shows = async (what: RegExp) => {
      for (let i = 0; i < 100; i++) {
        const text = (await cells(100, 30, t.written())).map((r) => r.map((c) => c.split("|")[0]).join("").trimEnd()).join("\n");
        if (what.test(text) || i === 99) return text;
        await new Promise((r) => setTimeout(r, 20));
      }
      return "";
    };
    return { type, shows, calls, left, app };
  }

  /** Mounted, with its first frame drawn. */
  async function mounted() {
    const d = mount();
    await d.shows(/^> ma-1 /m);
    return d;
  }

  it("moves, then asks before a kill, and takes nothing typed in the same read as the answer", async () => {
    const d = await mounted();
    d.type("jKy");
    const text = await d.shows(/Kill ma-2\?/);
    expect(text).toMatch(/^> ma-2 /m);
    expect(text).toContain("Kill ma-2? It stops the agent and removes the worktree. [y/N]");
    await new Promise((r) => setTimeout(r, 100));
    expect(d.calls).toEqual([]);
    d.app.unmount();
  });

  it("never acts on an agent for keys pasted together (o x i p R a), and says so", async () => {
    const d = await mounted();
    d.type("hello world, okay, pat Rob");
    const text = await d.shows(/Not done:/);
    expect(text).toContain("Not done: o o o a p a R o. Pressed together with other keys (a paste?)");
    expect(text).toMatch(/^> ma-1 /m);
    expect(d.calls).toEqual([]);
    expect(d.left).toEqual([]);
    d.app.unmount();
  });

  it("opens the send line with the rest of the read as its text, not sent", async () => {
    const d = await mounted();
    d.type("jsplease rebase\r");
    const text = await d.shows(/Send to ma-2: please rebase█/);
    expect(text).toContain("Send to ma-2: please rebase█");
    expect(d.calls).toEqual([]);
    d.app.unmount();
  });

  it("quits on q or Ctrl-C anywhere in the read, once", async () => {
    for (const keys of ["jq", "j\u0003", "jjqq"]) {
      const d = await mounted();
      d.type(keys);
      for (let i = 0; i < 50 && !d.left.length; i++) await new Promise((r) => setTimeout(r, 20));
      expect(d.left, JSON.stringify(keys)).toHaveLength(1);
      expect(d.left[0], JSON.stringify(keys)).toMatchObject({ attach: undefined });
      expect(d.calls).toEqual([]);
      d.app.unmount();
    }
  });

  const pause = (ms = 120) => new Promise((r) => setTimeout(r, ms));

  it("takes a key that acts on an agent for part of a paste when other input comes with it, in the same read or just before or after", async () => {
    for (const reads of [["\u001b[Bo"], ["hello\u001bo"], ["o", "\u001b[A"], ["zzz", "x"]]) {
      const d = await mounted();
      for (const r of reads) d.type(r);
      const text = await d.shows(/Not done:/);
      expect(text, JSON.stringify(reads)).toMatch(/Not done: [oax]\./);
      await pause();
      expect(d.calls, JSON.stringify(reads)).toEqual([]);
      d.app.unmount();
    }
  });

  it("acts on a key pressed alone, once nothing came with it", async () => {
    const d = await mounted();
    d.type("o");
    await pause();
    expect(d.calls.map((c) => c.split(" ")[0])).toEqual(["reply"]);
    d.app.unmount();
  });

  it("answers a question only with a y pressed alone: not Alt-y, not a y right after the K", async () => {
    for (const reads of [["K", "\u001by"], ["K", "y"]]) {
      const d = await mounted();
      d.type(reads[0]!);
      if (reads[1] === "\u001by") await d.shows(/Kill ma-1\?/);
      d.type(reads[1]!);
      const text = await d.shows(/Not killed: ma-1\./);
      expect(text, JSON.stringify(reads)).toContain("Not killed: ma-1.");
      await pause();
      expect(d.calls).toEqual([]);
      d.app.unmount();
    }
  });

  it("never sends a line on an Enter that came with other input", async () => {
    const d = await mounted();
    d.type("j");
    await pause();
    d.type("s");
    await d.shows(/Send to ma-2:/);
    await pause();
    d.type("rebase please\u001b[C\r");
    await d.shows(/Send to ma-2: rebase please█/);
    await pause();
    expect(d.calls).toEqual([]);
    d.type("\r");
    await pause();
    expect(d.calls.map((c) => c.split(" ")[0])).toEqual(["send"]);
    d.app.unmount();
  });
});
