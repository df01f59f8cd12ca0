#!/usr/bin/env node
// `ao dash` timing (run by `npm run bench`, or alone after `npm run build`):
// start to first full frame, and CPU per idle refresh, with N live sessions
// (real tmux sessions on a private socket, real worktrees). The dash runs in a
// tmux pane of 100x30, a real terminal; its screen is read with capture-pane.
//   BENCH_DASH_SIZES=10,200  BENCH_DASH_RUNS=7  BENCH_DASH_IDLE_S=20
//   BENCH_DASH_ENTRIES=bin/ao.js,dist-bundle/ao.js   (CLI entries to compare, relative to the repo)
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { benchRepo, idleAgentsEnv } from "./bench-repo.mjs";
import { cpuSeconds } from "./proc-cpu.mjs";

const root = resolve(import.meta.dirname, "..");
const entries = (process.env.BENCH_DASH_ENTRIES ?? "bin/ao.js").split(",").map((e) => join(root, e));
const sizes = (process.env.BENCH_DASH_SIZES ?? "10,200").split(",").map(Number);
const runs = Number(process.env.BENCH_DASH_RUNS ?? 7);
const idleSeconds = Number(process.env.BENCH_DASH_IDLE_S ?? 20);
const { openOrchestrator } = await import(join(root, "dist", "index.js"));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(n) {
  const dir = benchRepo("ao-bench-dash-");
  const socket = `ao-bench-dash-${process.pid}-${n}`;
  const tmux = (...args) => spawnSync("tmux", ["-L", socket, ...args], { encoding: "utf8" });
  try {
    const env = idleAgentsEnv(dir, socket);
    const ao = await openOrchestrator({ env });
    process.stderr.write(`N=${n}: spawning`);
    for (let i = 0; i < n; i++) {
      await ao.spawn({ project: "bench", base: "main" });
      if (i % 25 === 24) process.stderr.write(".");
    }
    const lastSpawn = Date.now();
    process.stderr.write(" measuring\n");
    const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const screen = () => tmux("capture-pane", "-p", "-t", "=dash:").stdout;
    // The list drawn: the rows of the sessions and the footer; full: also the selected session's preview.
    const listed = (text) => /^> b-1 /m.test(text) && text.includes("K kill");
    const full = (text) => listed(text) && text.includes("agent ready"); // only the preview shows an agent's output
    const results = [];
    for (const entry of entries) {
      const start = () => tmux("new-session", "-d", "-s", "dash", "-x", "100", "-y", "30", "env", "-u", "TMUX", ...vars, process.execPath, entry, "dash");
      const toList = [];
      const toFull = [];
      const toKey = [];
      for (let i = 0; i < runs; i++) {
        const t0 = process.hrtime.bigint();
        const ms = () => Number(process.hrtime.bigint() - t0) / 1e6;
        start();
        let list;
        for (;;) {
          const text = screen();
          if (list === undefined && listed(text)) list = ms();
          if (list !== undefined && full(text)) break;
          if (ms() > 30_000) throw new Error(`no full frame in 30 s:\n${text}`);
          await sleep(5);
        }
        toFull.push(ms());
        toList.push(list);
        // Interactive: a key typed at the first full frame is answered (the first frame is painted before Ink has loaded).
        tmux("send-keys", "-t", "=dash:", "j");
        while (!/^> b-2 /m.test(screen())) {
          if (ms() > 30_000) throw new Error(`j not answered in 30 s:\n${screen()}`);
          await sleep(5);
        }
        toKey.push(ms());
        tmux("kill-session", "-t", "=dash");
        await sleep(200);
      }

      // Idle: the dash's own CPU (and its tmux calls') over idleSeconds, once it has settled;
      // first while the youngest ages still count seconds (a frame drawn every refresh), then
      // once every age reads in minutes (a refresh that finds nothing new draws nothing).
      start();
      while (!full(screen())) await sleep(20);
      await sleep(3000);
      const pid = Number(tmux("display-message", "-p", "-t", "=dash:", "#{pane_pid}").stdout.trim());
      const idle = async () => {
        const c0 = cpuSeconds(pid).total;
        const w0 = Date.now();
        await sleep(idleSeconds * 1000);
        return (cpuSeconds(pid).total - c0) / ((Date.now() - w0) / 1000); // CPU seconds per second: one refresh a second
      };
      const drawing = Date.now() - lastSpawn < 50_000 ? await idle() : undefined;
      await sleep(Math.max(0, 61_000 - (Date.now() - lastSpawn)));
      const quiet = await idle();
      tmux("kill-session", "-t", "=dash");
      results.push({ n, entry: relative(root, entry), list: median(toList), firstFrame: median(toFull), min: Math.min(...toFull), key: median(toKey), drawing, quiet });
    }
    return results;
  } finally {
    tmux("kill-server");
    rmSync(join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid()}`, socket), { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const n of sizes) rows.push(...(await measure(n)));
const t0 = process.hrtime.bigint();
spawnSync(process.execPath, ["-e", ""]);
const nodeMs = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`\nao dash in a 100x30 tmux pane, polled every 5 ms; medians of ${runs} starts. First frame: the list and footer drawn; full: the selected session's preview too (painted before Ink loads); key answered: a j typed at the full frame has moved the selection (Ink loaded and drawing). Idle: CPU of the dash, its resident shell and their tmux calls over ${idleSeconds} s, while the youngest age still counts seconds (a frame each refresh) and once nothing on screen changes. node ${process.version}; bare \`node -e ''\` took ${nodeMs.toFixed(0)} ms.\n`);
console.log("| N | entry | first frame (list) | full frame (with preview) | fastest full | key answered | idle, a frame each refresh | idle, nothing changed |");
console.log("|---|---|---|---|---|---|---|---|");
const cpu = (x) => (x === undefined ? "-" : `${(x * 100).toFixed(1)}% of a core (${(x * 1000).toFixed(1)} ms per refresh)`);
for (const r of rows) console.log(`| ${r.n} | ${r.entry} | ${r.list.toFixed(0)} ms | ${r.firstFrame.toFixed(0)} ms | ${r.min.toFixed(0)} ms | ${r.key.toFixed(0)} ms | ${cpu(r.drawing)} | ${cpu(r.quiet)} |`);
