#!/usr/bin/env node
// The idle CPU of `ao dash` over N idle sessions, compared between builds: the
// same fixture for all (made once: N sessions whose ages all read in minutes),
// one dash at a time in a 100x30 tmux pane, the entries interleaved run by run so
// that a machine getting busier or quieter weighs on each alike. A run is the CPU
// of the dash, its resident shell and their tmux clients over BENCH_IDLE_S once
// the dash has run BENCH_IDLE_WARM_S (its first ticks compile and settle).
//   BENCH_IDLE_N=200  BENCH_IDLE_RUNS=4  BENCH_IDLE_S=30  BENCH_IDLE_WARM_S=20
//   BENCH_DASH_ENTRIES=bin/ao.js,../base/bin/ao.js   (CLI entries, relative to the repo; each built)
//   BENCH_IDLE_KEEP=1   the fixture stays (its environment is printed); BENCH_IDLE_ENV=FILE uses one kept before
// Run it after `npm run build`, in a clean environment (env -i PATH=$PATH HOME=$HOME).
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { benchRepo, idleAgentsEnv } from "./bench-repo.mjs";
import { cpuSeconds } from "./proc-cpu.mjs";

const root = resolve(import.meta.dirname, "..");
const entries = (process.env.BENCH_DASH_ENTRIES ?? "bin/ao.js").split(",").map((e) => resolve(root, e));
const n = Number(process.env.BENCH_IDLE_N ?? 200);
const runs = Number(process.env.BENCH_IDLE_RUNS ?? 4);
const seconds = Number(process.env.BENCH_IDLE_S ?? 30);
const warm = Number(process.env.BENCH_IDLE_WARM_S ?? 20);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const kept = process.env.BENCH_IDLE_ENV;
const env = kept ? JSON.parse(readFileSync(kept, "utf8")) : await fixture();
const socket = env.AO_TMUX_SOCKET;
const dashSocket = `${socket}-dash`;
const tmux = (server, ...args) => spawnSync("tmux", ["-L", server, ...args], { encoding: "utf8" });

/** N idle sessions on a server of their own; the environment that reaches them. */
async function fixture() {
  const dir = benchRepo("ao-bench-idle-");
  const env = idleAgentsEnv(dir, `ao-bench-idle-${process.pid}`);
  const { openOrchestrator } = await import(join(root, "dist", "index.js"));
  const ao = await openOrchestrator({ env });
  process.stderr.write(`spawning ${n} sessions`);
  for (let i = 0; i < n; i++) {
    await ao.spawn({ project: "bench", base: "main" });
    if (i % 25 === 24) process.stderr.write(".");
  }
  if (process.env.BENCH_IDLE_KEEP) writeFileSync(join(dir, "env.json"), JSON.stringify(env));
  process.stderr.write(` waiting until every age reads in minutes${process.env.BENCH_IDLE_KEEP ? ` (kept: BENCH_IDLE_ENV=${join(dir, "env.json")})` : ""}\n`);
  await sleep(61_000);
  return env;
}

try {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const screen = () => tmux(dashSocket, "capture-pane", "-p", "-t", "=dash:").stdout;
  const results = new Map(entries.map((e) => [e, []]));
  // The dashes' server stays up between runs (one starting while the last one exits can fail).
  tmux(dashSocket, "new-session", "-d", "-s", "keep", "sleep", "86400");
  for (let run = 0; run < runs; run++) {
    for (const entry of entries) {
      const started = tmux(dashSocket, "new-session", "-d", "-s", "dash", "-x", "100", "-y", "30", "env", "-u", "TMUX", ...vars, process.execPath, entry, "dash");
      if (started.status !== 0) throw new Error(`tmux new-session failed: ${started.stderr}`);
      for (let waited = 0; !(screen().includes("K kill") && screen().includes("agent ready")); waited += 50) {
        if (waited > 30_000) throw new Error(`no full frame in 30 s:\n${screen()}`);
        await sleep(50);
      }
      await sleep(warm * 1000);
      const pid = Number(tmux(dashSocket, "display-message", "-p", "-t", "=dash:", "#{pane_pid}").stdout.trim());
      const c0 = cpuSeconds(pid);
      const w0 = Date.now();
      await sleep(seconds * 1000);
      const c1 = cpuSeconds(pid);
      const wall = (Date.now() - w0) / 1000;
      const r = { total: (c1.total - c0.total) / wall, own: (c1.own - c0.own) / wall };
      results.get(entry).push(r);
      tmux(dashSocket, "kill-session", "-t", "=dash");
      await sleep(500); // its resident shell ends with it
      console.log(`run ${run + 1} ${relative(root, entry)}: ${(r.total * 100).toFixed(2)}% of a core (the dash's own ${(r.own * 100).toFixed(2)}%, its shell and tmux clients ${((r.total - r.own) * 100).toFixed(2)}%)`);
    }
  }
  console.log(`\nao dash idle over ${n} sessions, every age in minutes, ${runs} runs of ${seconds} s after ${warm} s of warming, entries interleaved; node ${process.version}:\n`);
  console.log("| entry | median, % of a core | the dash's own | runs |");
  console.log("| --- | --- | --- | --- |");
  for (const [entry, rs] of results) console.log(`| ${relative(root, entry)} | ${(median(rs.map((r) => r.total)) * 100).toFixed(2)}% | ${(median(rs.map((r) => r.own)) * 100).toFixed(2)}% | ${rs.map((r) => (r.total * 100).toFixed(2)).join(", ")} |`);
} finally {
  tmux(dashSocket, "kill-server");
  rmSync(join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid()}`, dashSocket), { force: true });
  if (!kept && !process.env.BENCH_IDLE_KEEP) {
    tmux(socket, "kill-server");
    rmSync(join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid()}`, socket), { force: true });
    rmSync(env.HOME, { recursive: true, force: true });
  }
}
