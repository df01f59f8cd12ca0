#!/usr/bin/env node
// `npm run bench` (called at the end of bench.mjs), or alone: ao watch's costs
// with N live sessions (real tmux on a private socket, real worktrees) against
// a stand-in GitHub on 127.0.0.1:
//   - CPU time of the watch process per pass, and tmux processes per pass
//     (first pass: every screen is new; steady: nothing changed);
//   - GitHub requests per pass per repository, so per hour at the default 60s;
//   - the time from a CI failure appearing on GitHub to the message in the
//     agent's pane (interval 1s, githubInterval 5s here).
//   BENCH_SIZES=10,50,200
import childProcess, { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { join, resolve } from "node:path";
import { demoAgentYaml } from "./demo-config.mjs";
import { benchRepo } from "./bench-repo.mjs";

const root = resolve(import.meta.dirname, "..");
const sizes = (process.env.BENCH_SIZES ?? "10,50,200").split(",").map(Number);
const INTERVAL_S = 1;
const GITHUB_INTERVAL_S = 5;
const TRIALS = 3;

// Count the tmux processes this process starts (ao's adapters import spawn from node:child_process).
let tmuxProcesses = 0;
const originalSpawn = childProcess.spawn;
childProcess.spawn = function (file, ...rest) {
  if (file === "tmux") tmuxProcesses++;
  return originalSpawn.call(this, file, ...rest);
};
syncBuiltinESMExports();
const { openOrchestrator } = await import(join(root, "dist", "index.js"));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const oid = (i) => i.toString(16).padStart(40, "0");

// A stand-in GitHub: one PR, for the demo agent's branch, whose head and check outcome the benchmark sets.
const pr = { branch: "", head: oid(1), failing: false, job: 1 };
let graphqlRequests = 0;
let logRequests = 0;
const github = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    res.writeHead(200, { "content-type": req.url.endsWith("/logs") ? "text/plain" : "application/json" });
    if (req.url.endsWith("/logs")) {
      logRequests++;
      return res.end(`${"step output\n".repeat(200)}error: the build failed\n`);
    }
    graphqlRequests++;
    const { variables } = JSON.parse(body);
    const repository = {};
    for (const [k, branch] of Object.entries(variables)) {
      if (!/^b\d+$/.test(k)) continue;
      repository[`s${k.slice(1)}`] = { nodes: branch === pr.branch ? [prNode()] : [] };
    }
    res.end(JSON.stringify({ data: { repository } }));
  });
});
const prNode = () => ({
  number: 1, url: "https://github.com/bench/repo/pull/1", state: "OPEN", merged: false, mergedAt: null, headRefOid: pr.head, isDraft: false,
  createdAt: "2026-01-01T00:00:00Z", headRepository: { nameWithOwner: "bench/repo" }, baseRefName: "main", baseRefOid: oid(2), mergeable: "MERGEABLE", reviewDecision: null,
  statusCheckRollup: { contexts: { nodes: [{ __typename: "CheckRun", name: "build", status: "COMPLETED", conclusion: pr.failing ? "FAILURE" : "SUCCESS", detailsUrl: null, databaseId: pr.job, checkSuite: { app: { slug: "github-actions" } } }] } },
  reviews: { nodes: [] },
});
await new Promise((r) => github.listen(0, "127.0.0.1", r));
const githubUrl = `http://127.0.0.1:${github.address().port}`;

/** One `--once` pass in this process: its CPU time and the tmux processes it started. */
async function pass(ao) {
  const tmuxBefore = tmuxProcesses;
  const cpu = process.cpuUsage();
  await ao.watch({ once: true });
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, tmux: tmuxProcesses - tmuxBefore };
}

const rows = [];
for (const n of sizes) {
  const dir = benchRepo("ao-bench-watch-");
  const socket = `ao-bench-watch-${process.pid}-${n}`;
  try {
    const agents = `agents:\n  idle:\n    command: sleep 86400\n    status: { idle: ["^$"] }\n${demoAgentYaml("demo", join(root, "scripts", "demo-agent.mjs"))}`;
    const base = `dataDir: ${dir}/data\nworktreeDir: ${dir}/wt\ndefaults:\n  agent: idle\n${agents}projects:\n  bench:\n    path: ${dir}/repo\n    sessionPrefix: b\n`;
    const watch = `watch:\n  interval: ${INTERVAL_S}s\n  githubInterval: ${GITHUB_INTERVAL_S}s\nreactions:\n  maxSends: 100\n`;
    // One config file, first without a repository, then with one: a session is watched with the
    // config recorded when it was spawned (SPEC §1 "From anywhere"), so both phases use the same path.
    const config = join(dir, "agent-orchestrator.yaml");
    writeFileSync(config, base + watch);
    const agentLog = join(dir, "agent.log");
    const env = { ...process.env, AO_TMUX_SOCKET: socket, HOME: dir, XDG_CACHE_HOME: join(dir, "cache"), GITHUB_API_URL: githubUrl, GITHUB_TOKEN: "bench-token", DEMO_AGENT_LOG: agentLog };
    const tmuxOnly = await openOrchestrator({ env: { ...env, AO_CONFIG: config } });
    process.stderr.write(`watch N=${n}: spawning`);
    const demo = (await tmuxOnly.spawn({ project: "bench", base: "main", agent: "demo" })).session;
    pr.branch = demo.branch;
    for (let i = 1; i < n; i++) {
      await tmuxOnly.spawn({ project: "bench", base: "main" });
      if (i % 25 === 24) process.stderr.write(".");
    }
    process.stderr.write(" measuring\n");
    await sleep(1500); // screens are read once their last output is a second old
    const first = await pass(tmuxOnly);
    const steady = [];
    for (let i = 0; i < 5; i++) steady.push(await pass(tmuxOnly));
    writeFileSync(config, base.replace("    sessionPrefix: b\n", "    sessionPrefix: b\n    repo: bench/repo\n") + watch);
    const withGitHub = await openOrchestrator({ env: { ...env, AO_CONFIG: config } });
    const requestsBefore = graphqlRequests;
    const gh = [];
    for (let i = 0; i < 3; i++) gh.push(await pass(withGitHub));
    const perPass = (graphqlRequests - requestsBefore) / gh.length;

    // CI failure → message in the pane, with the watch running as it does for a user.
    const stop = new AbortController();
    const running = withGitHub.watch({ signal: stop.signal });
    const latencies = [];
    const logsBefore = logRequests;
    for (let t = 0; t < TRIALS; t++) {
      await sleep(1000 + Math.random() * 2000); // not in step with the loop's timers
      pr.head = randomBytes(20).toString("hex");
      pr.job = 1000 + t;
      pr.failing = true;
      const t0 = Date.now();
      const short = pr.head.slice(0, 7);
      for (;;) {
        if (existsSync(agentLog) && readFileSync(agentLog, "utf8").includes(`commit ${short}`)) break;
        if (Date.now() - t0 > 60_000) throw new Error(`no CI message after 60s (N=${n})`);
        await sleep(20);
      }
      latencies.push(Date.now() - t0);
    }
    stop.abort();
    await running;
    rows.push({ n, first, steadyCpu: median(steady.map((s) => s.cpuMs)), steadyTmux: median(steady.map((s) => s.tmux)), ghCpu: median(gh.map((s) => s.cpuMs)), perPass, logs: (logRequests - logsBefore) / TRIALS, latency: median(latencies), worst: Math.max(...latencies) });
  } finally {
    spawnSync("tmux", ["-L", socket, "kill-server"]);
    rmSync(join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid()}`, socket), { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
github.close();

const f = (ms) => `${ms.toFixed(0)} ms`;
console.log(`\nao watch (one pass = ao.watch({ once: true }) in-process; median of 5 steady passes; CPU is the watch process's own):\n`);
console.log("| N | first pass: CPU | tmux processes | steady pass: CPU | tmux processes | pass with GitHub: CPU | GraphQL requests per pass and repo | per hour at githubInterval 60s | job-log requests per CI failure | CI failure → pane (median of 3, worst) |");
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.n} | ${f(r.first.cpuMs)} | ${r.first.tmux} | ${f(r.steadyCpu)} | ${r.steadyTmux} | ${f(r.ghCpu)} | ${r.perPass} | ${r.perPass * 60} | ${r.logs.toFixed(1)} | ${(r.latency / 1000).toFixed(1)} s, ${(r.worst / 1000).toFixed(1)} s (goal < ${GITHUB_INTERVAL_S + INTERVAL_S} s) |`);
}
