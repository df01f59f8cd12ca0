/**
 * `ao session logs` shows the whole life of a session from its transcript
 * (<name>.log in dataDir, written by tmux's pipe-pane): beyond tmux's
 * scrollback, across pause/resume and a dead tmux server, bounded by rotation.
 */
import { lstatSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/proc.js";
import { agentReady, baseConfig, ROOT, startAo, useSandbox } from "../helpers/sandbox.js";

const PRINTER = join(ROOT, "test", "fixtures", "printer-agent.mjs");
const withPrinter = (p: Parameters<typeof baseConfig>[0], extra = "") =>
  baseConfig(p, extra).replace("projects:\n", `  printer:\n    command: node ${JSON.stringify(PRINTER)}\n    prompt: arg\nprojects:\n`);

const s = useSandbox({ config: (p) => withPrinter(p, "logs:\n  maxBytes: 65536\n") });
const logs = async (name: string, ...args: string[]) => {
  const r = await s.ao(["session", "logs", name, ...args]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
};
const lineNumbers = (text: string) => [...text.matchAll(/^line (\d+)\.*$/gm)].map((m) => Number(m[1]));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("transcripts", () => {
  it("keeps every line beyond tmux's scrollback: 3000 lines printed, 3000 in logs", async () => {
    expect((await s.ao(["spawn", "my-app", "--agent", "printer", "--prompt", "3000"])).code).toBe(0);
    await waitFor(async () => (await logs("ma-1")).includes("printed 3000"), "the last line");
    const text = await logs("ma-1");
    expect(lineNumbers(text)).toEqual(range(1, 3000));
    expect(text.split("\n")[0]).toMatch(/^--- started at \d{4}-\d\d-\d\dT[\d:.]+Z ---$/);
    expect(await logs("ma-1", "--lines", "2")).toBe("printed 3000\n>\n");
    // tmux itself has only kept its history-limit (2000) lines:
    expect(lineNumbers(await s.tmux.capture("ma-1"))[0]).toBeGreaterThan(1);
    const file = join(s.sessionsDir, "ma-1.log");
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  // A life ends (pause; a dead tmux server) and the next starts (resume; restore): one transcript.
  it.each([
    { end: "a pause", start: "resume", marker: "resumed", stop: () => s.ao(["session", "pause", "ma-1"]) },
    { end: "a tmux kill-server", start: "restore", marker: "restored", stop: () => s.tmux.tmux("kill-server") },
  ])("output before $end is in logs while nothing runs, and after $start, a marker, then the new output", async ({ start, marker, stop }) => {
    expect((await s.ao(["spawn", "my-app", "1", "--prompt", "first task"])).code).toBe(0);
    await agentReady(s, "ma-1");
    expect((await s.ao(["send", "ma-1", "before the end"])).code).toBe(0);
    await waitFor(async () => (await s.tmux.capture("ma-1")).includes("| before the end"), "the echo");
    expect((await stop()).code).toBe(0);
    expect(await s.tmux.sessions()).toEqual([]);
    expect(await logs("ma-1")).toContain("| before the end");
    expect((await s.ao(["session", start, "ma-1"])).code).toBe(0);
    await agentReady(s, "ma-1");
    expect((await s.ao(["send", "ma-1", "after the start"])).code).toBe(0);
    await waitFor(async () => (await logs("ma-1")).includes("| after the start"), "the new echo");
    const text = await logs("ma-1");
    const order = ["Prompt: first task", "| before the end", `--- ${marker} at `, "| after the start"].map((n) => text.indexOf(n));
    expect(order[0]).toBeGreaterThan(-1);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(text).toMatch(new RegExp(`^--- ${marker} at \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ---$`, "m"));
    // A killed session's transcript stays for logs.
    expect((await s.ao(["session", "kill", "ma-1"])).code).toBe(0);
    expect(await logs("ma-1")).toContain("| before the end");
  });

  it("rotates at logs.maxBytes, keeps one previous part, and says that older output was rotated away", async () => {
    const r = await s.ao(["spawn", "my-app", "--agent", "printer", "--prompt", "4000"], { env: { PRINTER_PAD: "60" } });
    expect(r.code, r.stderr).toBe(0);
    await waitFor(async () => (await logs("ma-1")).includes("printed 4000"), "the last line", 20_000);
    const file = join(s.sessionsDir, "ma-1.log");
    // 4000 lines of 63 bytes: about 250 KiB printed, at most 2 × (64 KiB + an eighth) kept.
    for (const f of [file, `${file}.1`]) {
      expect(statSync(f).size).toBeLessThanOrEqual(65536 + 8192);
      expect(statSync(f).mode & 0o777).toBe(0o600);
    }
    const text = await logs("ma-1");
    expect(text.split("\n")[0]).toBe("--- older output was rotated away (a transcript keeps its last 64 KiB to 128 KiB) ---");
    const kept = lineNumbers(text);
    expect(kept.at(-1)).toBe(4000);
    expect(kept[0]).toBeGreaterThan(1);
    expect(kept).toEqual(range(kept[0]!, 4000).filter((n) => kept.includes(n))); // in order
    expect(kept.length).toBeGreaterThan(4000 - kept[0]! - 2); // at most the line cut by the rotation is lost
  });

  it("a symlink planted at the transcript path is refused, never written through", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0); // makes the sessions directory
    const outside = join(s.root, "outside.txt");
    writeFileSync(outside, "untouched\n");
    symlinkSync(outside, join(s.sessionsDir, "ma-2.log"));
    const spawn = await s.ao(["spawn", "my-app", "--prompt", "hello"]);
    expect(spawn.code).toBe(1);
    expect(spawn.stderr).toContain(`Refusing to follow the symbolic link ${join(s.sessionsDir, "ma-2.log")}`);
    expect(await s.tmux.sessions()).toEqual(["ma-1"]);
    // restore of a session whose transcript became a link: refused too
    await s.tmux.tmux("kill-server");
    const own = join(s.sessionsDir, "ma-1.log");
    symlinkSync(outside, `${own}.tmp`);
    renameSync(`${own}.tmp`, own);
    const restore = await s.ao(["session", "restore", "ma-1"]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain(`Refusing to follow the symbolic link ${own}`);
    const read = await s.ao(["session", "logs", "ma-1"]);
    expect(read.code).toBe(1);
    expect(read.stderr).toContain(`Refusing to follow the symbolic link ${own}`);
    expect(readFileSync(outside, "utf8")).toBe("untouched\n");
    expect(lstatSync(own).isSymbolicLink()).toBe(true);
  });

  it("--follow streams the rendered transcript as it grows and ends with the runtime", async () => {
    expect((await s.ao(["spawn", "my-app", "1", "--prompt", "first task"])).code).toBe(0);
    await agentReady(s, "ma-1");
    const follow = startAo(s, ["session", "logs", "ma-1", "--follow", "--lines", "3"]);
    await waitFor(() => follow.output().includes("Prompt: first task"), "the existing screen");
    expect(follow.output()).not.toContain("--- started at"); // --lines 3: only the last three lines
    expect((await s.ao(["send", "ma-1", "followed"])).code).toBe(0);
    await waitFor(() => follow.output().includes("| followed"), "the new output");
    expect((await s.ao(["send", "ma-1", "/exit"])).code).toBe(0);
    expect(await follow.exited).toBe(0);
    expect(follow.output()).toContain("Agent exiting (0)");
    expect(follow.output()).not.toContain("\u001b");
  });
});
