/**
 * The pipe-pane command that writes a session's transcript, run by a real tmux
 * through /bin/sh; its rendering compared with tmux's own; reading it as it grows.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeFiles } from "../../src/adapters/files.js";
import { Store } from "../../src/adapters/store.js";
import { Tmux, trimTrailingBlank } from "../../src/adapters/tmux.js";
import { pipeCommand, readNew, renderTranscript, transcriptPaths } from "../../src/core/transcript.js";
import { waitFor } from "../helpers/proc.js";
import { tmuxServer } from "../helpers/tmux.js";

let server: ReturnType<typeof tmuxServer>;
let dir: string;
beforeEach(() => {
  server = tmuxServer();
  dir = realpathSync(mkdtempSync(join(tmpdir(), "ao-pipe-")));
});
afterEach(async () => {
  await server.kill();
  rmSync(dir, { recursive: true, force: true });
});

const start = (name: string, path: string, script: string, maxBytes = 65536) =>
  new Tmux(server.socket).newSession({ name, cwd: dir, env: {}, script, pipe: pipeCommand(path, maxBytes) });

describe("the transcript pipe", () => {
  it("writes to a path with quotes, %, #{…}, $(…) and spaces, and runs nothing from it", async () => {
    const path = join(dir, "it's 100% #{session_name} $(touch pwned) `touch pwned2`.log");
    nodeFiles.appendPrivate(path, "");
    await start("p-1", path, "printf 'hello from the pane\\n'; exec sleep 60");
    await waitFor(() => readFileSync(path, "utf8").includes("hello from the pane"), "the output in the file");
    expect(existsSync(join(dir, "pwned")) || existsSync(join(dir, "pwned2"))).toBe(false);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("rotates to one previous part, each 0600 and bounded, and keeps every byte up to the rotation", async () => {
    const path = join(dir, "s.log");
    nodeFiles.appendPrivate(path, "");
    // 4000 numbered lines of 50 bytes: 200 KB through a 64 KiB limit, so at least two rotations.
    await start("p-1", path, `i=1; while [ $i -le 4000 ]; do printf 'line %045d\\n' $i; i=$((i+1)); done; echo finished; exec sleep 60`);
    await waitFor(() => existsSync(path) && readFileSync(path, "utf8").includes("finished"), "the last line", 20_000);
    for (const f of [path, `${path}.1`]) {
      expect(statSync(f).mode & 0o777).toBe(0o600);
      expect(statSync(f).size).toBeLessThanOrEqual(65536 + 8192);
    }
    const text = readFileSync(`${path}.1`, "utf8") + readFileSync(path, "utf8");
    const numbers = [...text.matchAll(/line 0*(\d+)\r\n/g)].map((m) => Number(m[1]));
    const first = numbers[0]!;
    expect(first).toBeGreaterThan(1); // the oldest part was dropped
    expect(numbers).toEqual(Array.from({ length: 4000 - first + 1 }, (_, i) => first + i)); // nothing lost between the two parts
  });

  it("stops when the transcript is removed, and never re-creates it", async () => {
    const path = join(dir, "s.log");
    nodeFiles.appendPrivate(path, "");
    await start("p-1", path, "printf 'one\\n'; while [ ! -e go ]; do sleep 0.05; done; while :; do printf 'tick\\n'; sleep 0.05; done");
    await waitFor(() => readFileSync(path, "utf8").includes("one"), "the first output");
    rmSync(path);
    writeFileSync(join(dir, "go"), "");
    // The writer ends at its next check; tmux closes the pipe when it next writes to it (a tick).
    await waitFor(async () => (await server.tmux("display-message", "-p", "-t", "=p-1:", "#{pane_pipe}")).stdout.trim() === "0", "the pipe closed");
    expect(existsSync(path)).toBe(false);
  });
});

describe("rendering a transcript", () => {
  it("gives what tmux itself shows for a program that redraws, colours and scrolls a region", async () => {
    const path = join(dir, "s.log");
    nodeFiles.appendPrivate(path, "");
    const agent = join(import.meta.dirname, "..", "fixtures", "redraw-agent.mjs");
    await start("p-1", path, `exec node ${JSON.stringify(agent)}`, 8 * 1024 * 1024);
    await waitFor(async () => (await server.capture("p-1")).includes("DONE"), "the end of the output");
    await waitFor(() => readFileSync(path, "utf8").includes("DONE"), "the end of the transcript");
    const tmuxText = trimTrailingBlank(await new Tmux(server.socket).captureHistory("p-1"));
    const ours = (await renderTranscript(readFileSync(path))).join("\n") + "\n";
    expect(ours).toBe(tmuxText);
    for (const kept of ["line 1 — ok", "spinner / step 29", "first, rewritten", "second, rewritten", "in region 69", "inserted", "long end", "DONE"]) expect(ours).toContain(kept);
    expect(ours).not.toContain("\u001b");
  });
});

describe("a transcript written by two lives in turn (restore of an exited agent)", () => {
  /** Writers of this test's transcripts: their command line names the test's directory. */
  const writers = () =>
    readdirSync("/proc").filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        return cmd.startsWith("sh\0-c\0umask 077") && cmd.includes(dir); // not the tmux server, whose argv names the command too
      } catch {
        return false; // gone meanwhile
      }
    });

  it("the old writer ends with its pane, however busy the new one is", async () => {
    const path = join(dir, "s.log");
    nodeFiles.appendPrivate(path, "");
    await server.tmux("new-session", "-d", "-s", "keeper", "sleep 60"); // the server outlives p-1, as with other sessions
    await start("p-1", path, "printf 'first life\\n'; exec sleep 60", 8 << 20);
    await waitFor(() => readFileSync(path, "utf8").includes("first life"), "the first life");
    await server.tmux("kill-session", "-t", "=p-1");
    await start("p-2", path, "while :; do printf 'busy second life\\n'; done", 8 << 20); // output all the time
    await waitFor(() => readFileSync(path, "utf8").includes("busy second life"), "the second life");
    await waitFor(() => writers().length === 1, "one writer left");
  });
});

describe("following a transcript across a rotation", () => {
  it("reads the rest of the rotated part, then the new one, each byte once", () => {
    const ctx = { store: new Store(dir), files: nodeFiles };
    const r = { project: "p", name: "s-1" };
    const { current, previous } = transcriptPaths(ctx, r);
    nodeFiles.appendPrivate(current, "one ");
    const pos = { ino: statSync(current).ino, offset: 4 };
    nodeFiles.appendPrivate(current, "two ");
    expect(readNew(ctx, r, pos).toString()).toBe("two ");
    expect(readNew(ctx, r, pos).toString()).toBe("");
    nodeFiles.appendPrivate(current, "three ");
    renameSync(current, previous); // what the pipe does at logs.maxBytes
    nodeFiles.appendPrivate(current, "four ");
    expect(readNew(ctx, r, pos).toString()).toBe("three four ");
    nodeFiles.appendPrivate(current, "five");
    expect(readNew(ctx, r, pos).toString()).toBe("five");
  });
});
