#!/usr/bin/env node
// `npm run bench`: wall time of ao's hot paths with N live sessions (real tmux
// sessions on a private socket, real worktrees), against bare node and against
// the limit (bare node plus the one `tmux list-panes -a` that `ls` must run).
//   BENCH_SIZES=10,50,200  BENCH_RUNS=15  BENCH_STARTUP_ONLY=1 (these tables only: no
//   transcript, ao watch or ao dash figures)
// Every command runs in a clean environment, as a user's shell has it: PATH, HOME
// and ao's own variables only. Variables such as NODE_EXTRA_CA_CERTS or
// NODE_OPTIONS make bare node itself slower and would hide ao's own cost.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { benchRepo } from "./bench-repo.mjs";

const root = resolve(import.meta.dirname, "..");
const aoBin = join(root, "bin", "ao.js");
const sizes = (process.env.BENCH_SIZES ?? "10,50,200").split(",").map(Number);
const runs = Number(process.env.BENCH_RUNS ?? 15);
const { openOrchestrator } = await import(join(root, "dist", "index.js"));
const { LIST_PANES_FORMAT } = await import(join(root, "dist", "adapters", "tmux.js"));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** PATH, HOME, where tmux keeps its sockets, and the given (ao's own) variables: nothing else. */
function cleanEnv(vars) {
  return { PATH: process.env.PATH, ...(process.env.TMUX_TMPDIR ? { TMUX_TMPDIR: process.env.TMUX_TMPDIR } : {}), ...vars };
}

function timeOnce(args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed: ${r.stderr}`);
  return ms;
}

/**
 * Each command measured in triples run back to back: bare node, the limit
 * (node running one `tmux list-panes -a`), the command; the triples of all
 * commands interleaved round by round, so that the machine's drift (other
 * processes) hits the command and its references alike. Per command: the
 * medians of its times, of the node and limit times beside it, and the medians
 * of the per-triple ratios.
 */
function timeAll(commands, env, socket) {
  const node = ["-e", ""];
  const limit = ["-e", "require('node:child_process').execFileSync('tmux', process.argv.slice(1))", "--", "-L", socket, "list-panes", "-a", "-F", LIST_PANES_FORMAT];
  const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, { ms: [], node: [], limit: [], xNode: [], xLimit: [] }]));
  for (const args of [node, limit, ...Object.values(commands)]) timeOnce(args, env); // warm caches
  for (let i = 0; i < runs; i++) {
    for (const [key, args] of Object.entries(commands)) {
      const n = timeOnce(node, env);
      const l = timeOnce(limit, env);
      const ms = timeOnce(args, env);
      const s = samples[key];
      s.ms.push(ms), s.node.push(n), s.limit.push(l), s.xNode.push(ms / n), s.xLimit.push(ms / l);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, s]) => [k, Object.fromEntries(Object.entries(s).map(([f, xs]) => [f, median(xs)]))]));
}

function children(args, env) {
  const file = join(tmpdir(), `ao-bench-children-${process.pid}`);
  writeFileSync(file, "");
  spawnSync(process.execPath, ["--import", join(root, "scripts", "count-children.mjs"), ...args], { env: { ...env, AO_COUNT_CHILDREN_FILE: file }, stdio: "ignore" });
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  rmSync(file, { force: true });
  return lines;
}


const rows = [];
/** The pause between paste and Enter in Tmux.paste (src/adapters/tmux.ts). */
const ENTER_DELAY_MS = 150;

// A stand-in GitHub on 127.0.0.1 that counts requests and answers every query
// with "no PR, no issue" after a fixed round trip.
const ROUND_TRIP_MS = 50;
let httpRequests = 0;
const github = createServer((req, res) => {
  httpRequests++;
  let body = "";
  req.on("data", (b) => (body += b));
  req.on("end", () =>
    setTimeout(() => {
      // Every session alias (s0, s1, …) of the batched query: no pull request.
      const aliases = [...(JSON.parse(body || "{}").query ?? "").matchAll(/\b(s\d+): pullRequests/g)].map((m) => m[1]);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ data: { repository: Object.fromEntries(aliases.map((a) => [a, { nodes: [] }])) } }));
    }, ROUND_TRIP_MS),
  );
});
await new Promise((r) => github.listen(0, "127.0.0.1", r));
const githubUrl = `http://127.0.0.1:${github.address().port}`;

/** Median wall time and HTTP requests per run; the child runs async so this process can answer it. */
async function timeWithRequests(args, env) {
  const samples = [];
  let requests = 0;
  for (let i = 0; i < Math.max(5, Math.floor(runs / 2)); i++) {
    const before = httpRequests;
    const t0 = process.hrtime.bigint();
    let stderr = "";
    const code = await new Promise((r) => {
      const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
      child.stderr.on("data", (b) => (stderr += b));
      child.on("close", r);
    });
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (code !== 0) throw new Error(`${args.join(" ")} exited ${code}: ${stderr}`);
    requests = httpRequests - before;
  }
  return { ms: median(samples), requests };
}
for (const n of sizes) {
  const dir = benchRepo("ao-bench-");
  const socket = `ao-bench-${process.pid}-${n}`;
  try {
    const config = join(dir, "agent-orchestrator.yaml");
    writeFileSync(config, `dataDir: ${dir}/data\nworktreeDir: ${dir}/wt\ndefaults:\n  agent: idle\nagents:\n  idle:\n    command: sleep 86400\nprojects:\n  bench:\n    path: ${dir}/repo\n    sessionPrefix: b\n`);
    const env = cleanEnv({ AO_CONFIG: config, AO_TMUX_SOCKET: socket, HOME: dir });
    const ao = await openOrchestrator({ env });
    process.stderr.write(`N=${n}: spawning`);
    for (let i = 0; i < n; i++) {
      await ao.spawn({ project: "bench", base: "main" });
      if (i % 25 === 24) process.stderr.write(".");
    }
    process.stderr.write(" measuring\n");
    const listed = JSON.parse(execFileSync(process.execPath, [aoBin, "session", "ls", "--json"], { env }).toString());
    if (listed.length !== n || listed.some((s) => s.status === "dead")) throw new Error(`expected ${n} live sessions, got ${listed.length}`);
    const kids = children([aoBin, "session", "ls"], env);
    const load = loadavg()[0];
    const t = timeAll({ version: [aoBin, "--version"], ls: [aoBin, "session", "ls"], lsJson: [aoBin, "session", "ls", "--json"], send: [aoBin, "send", listed[0].name, "bench"] }, env, socket);
    // The same sessions under a config that names a GitHub repository, with a cache that is always expired.
    const ghConfig = join(dir, "github.yaml");
    writeFileSync(ghConfig, readFileSync(config, "utf8").replace("    sessionPrefix: b\n", "    sessionPrefix: b\n    repo: bench/repo\n") + "github:\n  cacheTtl: 0\n");
    const ghEnv = { ...env, AO_CONFIG: ghConfig, GITHUB_API_URL: githubUrl, GITHUB_TOKEN: "bench-token" };
    const cleanupDry = await timeWithRequests([aoBin, "session", "cleanup", "--dry-run"], ghEnv);
    const lsExpired = await timeWithRequests([aoBin, "session", "ls"], ghEnv);
    // The same sessions under an agent with status patterns: ls reads a screen only when tmux saw
    // output since ao last read it (warm), else all changed screens in one more tmux process (cold).
    const screensConfig = join(dir, "screens.yaml");
    writeFileSync(screensConfig, readFileSync(config, "utf8").replace("    command: sleep 86400\n", '    command: sleep 86400\n    status: { idle: ["^$"] }\n'));
    const screensEnv = { ...env, AO_CONFIG: screensConfig };
    const observed = join(dir, "data", "projects", "bench", "observed.json");
    execFileSync(process.execPath, [aoBin, "session", "ls"], { env: screensEnv }); // reads every screen once
    await new Promise((r) => setTimeout(r, 1100)); // reads must postdate the last output by a second to be reused
    const screensWarm = { ...timeAll({ ls: [aoBin, "session", "ls"] }, screensEnv, socket).ls, children: children([aoBin, "session", "ls"], screensEnv).length };
    const cold = [];
    for (let i = 0; i < runs; i++) {
      rmSync(observed, { force: true });
      const t0 = process.hrtime.bigint();
      execFileSync(process.execPath, [aoBin, "session", "ls"], { env: screensEnv, stdio: "ignore" });
      cold.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    rmSync(observed, { force: true });
    const screensCold = { ls: median(cold), children: children([aoBin, "session", "ls"], screensEnv).length };
    rows.push({
      n,
      load,
      ...t,
      sendChildren: children([aoBin, "send", listed[0].name, "bench"], env).length,
      screensWarm,
      screensCold,
      cleanupDry,
      lsExpired,
      children: kids.length,
      what: [...new Set(kids.map((k) => k.split(" ")[1]))].join(", "),
    });
  } finally {
    spawnSync("tmux", ["-L", socket, "kill-server"]);
    rmSync(join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid()}`, socket), { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

const f = (ms) => `${ms.toFixed(0)} ms`;
const x = (r) => `${r.toFixed(2)}x`;
const both = (m) => `${f(m.ms)} (${x(m.xNode)} node, ${x(m.xLimit)} limit)`;
console.log(`\nClean environment (PATH, HOME, AO_* only); node ${process.version}; ${runs} rounds. Each figure is measured in triples`);
console.log("(bare `node -e ''`, the limit = node running one `tmux list-panes -a`, the command) interleaved round by round;");
console.log("times are medians, ratios are medians of the per-triple ratios. 1-minute load average at the start of each size.\n");
console.log("| N | load | node -e '' | limit | ao --version | ao session ls | ao session ls --json | child processes per ls |");
console.log("|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.n} | ${r.load.toFixed(1)} | ${f(r.ls.node)} | ${f(r.ls.limit)} | ${both(r.version)} | ${both(r.ls)} | ${both(r.lsJson)} | ${r.children} (${r.what}) |`);
}
console.log(`\n\`ao send\` (one paste, then Enter after a deliberate ${ENTER_DELAY_MS} ms): the time over bare node + ${ENTER_DELAY_MS} ms is ao's own cost.\n`);
console.log("| N | node -e '' | ao send | over node + delay | child processes |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.n} | ${f(r.send.node)} | ${f(r.send.ms)} | ${f(r.send.ms - r.send.node - ENTER_DELAY_MS)} | ${r.sendChildren} |`);
console.log("\nAn agent with status patterns (its screens are read, see README: Observed status):\n");
console.log("| N | ls, no screen changed | tmux processes | ls, every screen changed | tmux processes |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.n} | ${both(r.screensWarm)} | ${r.screensWarm.children} | ${f(r.screensCold.ls)} | ${r.screensCold.children} |`);
console.log(`\nAgainst a local GitHub API answering in ${ROUND_TRIP_MS} ms (one GraphQL request per 50 sessions expected):\n`);
console.log("| N | cleanup --dry-run | HTTP requests | ls (cache expired) | HTTP requests |");
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(`| ${r.n} | ${f(r.cleanupDry.ms)} | ${r.cleanupDry.requests} | ${f(r.lsExpired.ms)} | ${r.lsExpired.requests} |`);
github.close();
if (process.env.BENCH_STARTUP_ONLY) process.exit(0);

// `ao session logs` renders the raw transcript through a terminal emulator; its largest is 2 × logs.maxBytes (8 MiB).
const { renderTranscript, lifeMarker } = await import(join(root, "dist", "core", "transcript.js"));
console.log("\nRendering a transcript (`ao session logs`; the largest kept by default is 16 MiB):\n");
console.log("| transcript | lines out | time |");
console.log("|---|---|---|");
for (const mib of [1, 16]) {
  let raw = lifeMarker("started", new Date().toISOString());
  for (let i = 0; raw.length < mib * 2 ** 20; i++) raw += `line ${i} \x1b[32mok\x1b[0m ${"x".repeat(i % 120)}\r\n`;
  const t0 = process.hrtime.bigint();
  const lines = await renderTranscript(Buffer.from(raw));
  console.log(`| ${mib} MiB of lines | ${lines.length} | ${f(Number(process.hrtime.bigint() - t0) / 1e6)} |`);
}
// ao watch's figures (scripts/bench-watch.mjs), kept in their own file.
spawnSync(process.execPath, [join(root, "scripts", "bench-watch.mjs")], { stdio: "inherit", env: process.env });
spawnSync(process.execPath, [join(root, "scripts", "bench-dash.mjs")], { stdio: "inherit" }); // ao dash: first frame and idle CPU
