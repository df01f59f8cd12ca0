/** Raw terminal output rendered to text through the terminal emulator, as `logs` shows it. */
import { describe, expect, it } from "vitest";
import { TerminalText } from "../../src/core/terminal-text.js";
import { lifeMarker, pipeCommand, renderTranscript, shellQuote, TranscriptView } from "../../src/core/transcript.js";

async function render(...chunks: string[]): Promise<string[]> {
  const t = await TerminalText.create();
  for (const c of chunks) await t.write(Buffer.from(c));
  const lines = t.lines();
  t.dispose();
  return lines;
}

describe("TerminalText", () => {
  it("leaves what a redraw left on the screen, without escape sequences", async () => {
    // up two lines, erase, write; the next line overwrites "two"
    expect(await render("one\r\ntwo\r\n\x1b[2A\x1b[2K\x1b[1;32mONE\x1b[0m\r\n", "thr", "ee  \r\n", "four\r\n")).toEqual(["ONE", "three", "four"]);
  });

  it("keeps every line of output far longer than its scrollback, in order", async () => {
    const n = 20_000;
    let out = "";
    for (let i = 1; i <= n; i++) out += `line ${i}\r\n`;
    const lines = await render(out.slice(0, 70_001), out.slice(70_001));
    expect(lines).toEqual(Array.from({ length: n }, (_, i) => `line ${i + 1}`));
  });

  it("joins a line the terminal wrapped, keeping a space at the wrap", async () => {
    const long = `${"a".repeat(199)} ${"b".repeat(250)}`;
    expect(await render(`${long}\r\nnext\r\n`)).toEqual([long, "next"]);
  });

  it("keeps a full-screen TUI's last screen when it leaves the alternate screen", async () => {
    const tui = "\x1b[?1049h\x1b[H\x1b[2Jframe 1\x1b[H\x1b[2Jframe 2\r\nstatus: ok\x1b[?1049l";
    expect(await render("before\r\n", tui, "after\r\n")).toEqual(["before", "frame 2", "status: ok", "after"]);
    // still on the alternate screen: it is the end of the text
    expect(await render("before\r\n\x1b[?1049h\x1b[Hdrawing")).toEqual(["before", "drawing"]);
  });

  it("keeps what a clear of the scrollback (CSI 3 J) or a reset (ESC c) erases", async () => {
    let out = "";
    for (let i = 1; i <= 80; i++) out += `row ${i}\r\n`;
    const lines = await render(out, "\x1b[H\x1b[2J\x1b[3Jafter clear\r\n", "\x1bcafter reset\r\n");
    expect(lines.filter((l) => l.startsWith("row "))).toHaveLength(80);
    expect(lines.slice(-2)).toEqual(["after clear", "after reset"]);
  });
});

describe("a transcript with several lives", () => {
  it("renders each life in a fresh terminal with a line for each start", async () => {
    const raw = `${lifeMarker("started", "2026-01-01T00:00:00.000Z")}first life\r\n\x1b[?1049h\x1b[31mstuck in a TUI`
      + `${lifeMarker("restored", "2026-01-02T00:00:00.000Z")}second life\r\n`;
    expect(await renderTranscript(Buffer.from(raw), "--- note ---")).toEqual([
      "--- note ---",
      "--- started at 2026-01-01T00:00:00.000Z ---",
      "first life",
      "stuck in a TUI",
      "--- restored at 2026-01-02T00:00:00.000Z ---",
      "second life",
    ]);
  });

  it("finds a marker cut in two by the end of a read, and a UTF-8 character cut in two", async () => {
    const raw = Buffer.from(`one ✓\r\n${lifeMarker("resumed", "2026-01-03T00:00:00.000Z")}two\r\n`);
    const cut = raw.indexOf(0xe2) + 1; // inside ✓
    const inMarker = raw.indexOf("6973") + 2;
    const view = await TranscriptView.create();
    for (const [a, b] of [[0, cut], [cut, inMarker], [inMarker, raw.length]] as const) await view.feed(raw.subarray(a, b));
    expect(view.lines()).toEqual(["one ✓", "--- resumed at 2026-01-03T00:00:00.000Z ---", "two"]);
    view.dispose();
  });
});

describe("the pipe-pane command", () => {
  it("quotes the path for the shell and doubles # and % for tmux's format expansion", () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    const cmd = pipeCommand("/d/100% #{x}'s.log", 8 * 1024 * 1024);
    expect(cmd).toContain(`f='/d/100%% ##{x}'\\''s.log'`);
    expect(cmd).toContain("dd bs=4096 count=256 ");
    expect(cmd).toContain("-lt 8388608 ]");
    expect(cmd.endsWith(";")).toBe(false); // tmux would read a trailing ; as a command separator
    expect(pipeCommand("/x", 65536)).toContain("count=2 ");
  });
});
