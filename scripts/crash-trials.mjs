#!/usr/bin/env node
// Randomised SIGKILL trials (not part of `npm test`): for each operation, start
// the built `ao`, SIGKILL it after a random delay, then recover the way a user
// would (`ao doctor --fix`, then the same command again) and check that
//   - no file content is lost: every file the session had made is in its
//     worktree or in a ref a session record names, and
//   - no ref under refs/ao/saved is named by no record.
// Real git (a bare origin in a temp dir), a private tmux server.
//
//   npm run build && node scripts/crash-trials.mjs [trials per operation, default 40] [operations…]
//
// Operations: kill (--force), pause (--release-worktree), resume, cleanup, spawn.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { demoAgentYaml } from "./demo-config.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const AO = join(ROOT, "bin", "ao.js");
const AGENT = join(ROOT, "scripts", "demo-agent.mjs");
const IDENTITY = { GIT_AUTHOR_NAME: "T", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "T", GIT_COMMITTER_EMAIL: "t@example.com" };
const ALL = ["kill", "pause", "resume", "cleanup", "spawn"];
const trials = Number(process.argv[2] ?? 40);
const ops = process.argv.slice(3).length ? process.argv.slice(3) : ALL;

function git(cwd, ...args) {
  const r = spawnSync("git", args, { cwd, env: { ...process.env, ...IDENTITY, GIT_CONFIG_NOSYSTEM: "1" }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} in ${cwd}: ${r.stderr}`);
  return r.stdout;
}

function world(op) {
  const root = realpathSync(mkdtempSync(join(tmpdir(), `ao-trials-${op}-`)));
  const repo = join(root, "repo");
  const origin = join(root, "origin.git");
  mkdirSync(repo);
  git(root, "init", "-q", "--bare", "-b", "main", origin);
  git(repo, "init", "-q", "-b", "main");
  writeFileSync(join(repo, "README.md"), "# demo\n");
  writeFileSync(join(repo, ".gitignore"), "node_modules/\n");
  git(repo, "add", ".");
  git(repo, "commit", "-q", "-m", "initial");
  git(repo, "remote", "add", "origin", origin);
  git(repo, "push", "-q", "-u", "origin", "main");
  const dataDir = join(root, "data");
  const worktreeDir = join(root, "worktrees");
  const config = join(root, "agent-orchestrator.yaml");
  const postCreate = op === "spawn" ? `    postCreate: ["echo made by postCreate > hook.txt", "sleep 0.2"]\n` : "";
  writeFileSync(config, `dataDir: ${dataDir}\nworktreeDir: ${worktreeDir}\ndefaults:\n  agent: demo\nagents:\n${demoAgentYaml("demo", AGENT, { full: false })}projects:\n  my-app:\n    path: ${repo}\n    sessionPrefix: ma\n${postCreate}cleanup:\n  runtimeDeadAfter: 0\n`);
  const socket = `ao-trials-${process.pid}-${op}`;
  const env = { PATH: process.env.PATH, HOME: root, XDG_CONFIG_HOME: join(root, ".config"), AO_CONFIG: config, AO_TMUX_SOCKET: socket, TERM: "xterm-256color", ...IDENTITY };
  return { root, repo, dataDir, worktreeDir, sessionsDir: join(dataDir, "projects", "my-app", "sessions"), env, socket };
}

/** Runs ao; with `killAfterMs`, SIGKILLs it then. Resolves to its exit code (null when killed) and output. */
function ao(w, args, killAfterMs) {
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(process.execPath, [AO, ...args], { cwd: w.root, env: w.env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, out, ms: Date.now() - started });
    });
  });
}

const records = (w) => (existsSync(w.sessionsDir) ? readdirSync(w.sessionsDir).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(readFileSync(join(w.sessionsDir, f), "utf8"))) : []);
const named = (w) => new Set(records(w).flatMap((r) => [...(r.savedRefs ?? []), r.pending?.ref, r.released?.savedRef].filter(Boolean)));
const savedRefs = (w) => git(w.repo, "for-each-ref", "--format=%(refname)", "refs/ao/saved/").split("\n").filter(Boolean);

/** Files (and, one trial in three, a nested repository) a session has made. */
function makeWork(wt, k) {
  const files = { "README.md": `# edited in trial ${k}\n`, [`notes/t${k}.txt`]: `untracked ${k}\n` };
  mkdirSync(join(wt, "notes"), { recursive: true });
  if (k % 3 === 0) {
    const sub = join(wt, "nested");
    mkdirSync(sub);
    git(sub, "init", "-q");
    writeFileSync(join(sub, "n.txt"), `nested ${k}\n`);
    git(sub, "add", ".");
    git(sub, "commit", "-q", "-m", "nested");
    files["nested/n.txt"] = `nested ${k}\n`;
  }
  for (const [f, text] of Object.entries(files)) writeFileSync(join(wt, f), text);
  return files;
}

function lostFiles(w, wt, files) {
  const refs = [...named(w)];
  return Object.entries(files).filter(([f, text]) => {
    try {
      if (readFileSync(join(wt, f), "utf8") === text) return false;
    } catch {
      // not in the worktree
    }
    return !refs.some((ref) => spawnSync("git", ["show", `${ref}:${f}`], { cwd: w.repo, encoding: "utf8" }).stdout === text);
  }).map(([f]) => f);
}

const COMMAND = {
  kill: (name) => ["session", "kill", name, "--force"],
  pause: (name) => ["session", "pause", name, "--release-worktree"],
  resume: (name) => ["session", "resume", name],
  cleanup: () => ["session", "cleanup"],
  spawn: () => ["spawn", "my-app"],
};
const DONE = {
  kill: (r) => r?.status === "killed",
  pause: (r) => r?.status === "paused" && r.released !== undefined,
  resume: (r) => r?.status === "working",
  cleanup: (r) => r?.status === "exited",
  spawn: (r) => r === undefined || r.status === "working" || r.status === "killed",
};

async function runOp(op) {
  const w = world(op);
  const stats = { op, trials: 0, killedMidway: 0, filesLost: 0, unnamedRefs: 0, unfinished: 0, problems: [] };
  let typical = 600;
  try {
    for (let k = 0; k < trials + 1; k++) {
      const calibrating = k === 0; // the first run is not killed: it measures how long the operation takes
      let name;
      let files = {};
      let wt;
      if (op !== "spawn") {
        const sp = await ao(w, ["spawn", "my-app"]);
        name = /Session (\S+) spawned/.exec(sp.out)?.[1];
        if (!name) throw new Error(`spawn failed: ${sp.out}`);
        wt = records(w).find((r) => r.name === name).workspacePath;
        files = makeWork(wt, k);
        if (op === "resume" && (await ao(w, ["session", "pause", name, "--release-worktree"])).code !== 0) throw new Error("pause failed");
        if (op === "cleanup") spawnSync("tmux", ["-L", w.socket, "kill-session", "-t", `=${name}`]);
      }
      const before = new Set(records(w).map((r) => r.name));
      const delay = calibrating ? undefined : Math.floor(Math.random() * typical * 1.2);
      const run = await ao(w, COMMAND[op](name), delay);
      if (calibrating) {
        typical = Math.max(200, run.ms);
        if (run.code !== 0) throw new Error(`${op} failed uninterrupted: ${run.out}`);
      } else {
        stats.trials++;
        if (run.code === null) stats.killedMidway++;
      }
      if (op === "spawn") {
        name = records(w).map((r) => r.name).find((n) => !before.has(n));
        wt = name ? records(w).find((r) => r.name === name).workspacePath : undefined;
        if (wt && existsSync(wt) && !existsSync(join(wt, "hook.txt"))) files = {};
        else if (wt && existsSync(wt)) files = { "hook.txt": readFileSync(join(wt, "hook.txt"), "utf8") };
      }
      // Recover as a user would: doctor --fix on even trials, then the command again if it is not finished.
      if (k % 2 === 0) await ao(w, ["doctor", "--fix"]);
      const current = () => records(w).find((r) => r.name === name);
      if (op !== "spawn" && !DONE[op](current())) await ao(w, COMMAND[op](name));
      if (op === "spawn" && current()?.status === "spawning") await ao(w, ["session", "kill", name, "--force"]);
      if (!DONE[op](current())) {
        stats.unfinished++;
        stats.problems.push(`trial ${k}: ${name} is ${current()?.status}${current()?.pending ? ` (pending ${current().pending.op})` : ""}`);
      }
      const lost = wt ? lostFiles(w, wt, files) : [];
      stats.filesLost += lost.length;
      if (lost.length) stats.problems.push(`trial ${k}: lost ${lost.join(", ")} (killed after ${delay} ms)`);
      const unnamed = savedRefs(w).filter((r) => !named(w).has(r));
      stats.unnamedRefs += unnamed.length;
      if (unnamed.length) {
        stats.problems.push(`trial ${k}: unnamed ${unnamed.join(", ")} (killed after ${delay} ms)`);
        for (const r of unnamed) git(w.repo, "update-ref", "-d", r); // counted once
      }
      // Ended sessions leave nothing; the rest are ended so the next trial starts alike.
      if (name && !["killed", "exited", "done"].includes(current()?.status)) await ao(w, ["session", "kill", name, "--force"]);
    }
  } finally {
    spawnSync("tmux", ["-L", w.socket, "kill-server"]);
    rmSync(w.root, { recursive: true, force: true });
  }
  return stats;
}

const started = Date.now();
const results = [];
// Two operations at a time: one per core.
const queue = [...ops];
await Promise.all([0, 1].map(async () => {
  for (let op = queue.shift(); op; op = queue.shift()) {
    const r = await runOp(op);
    results.push(r);
    console.log(`${r.op.padEnd(8)} trials ${r.trials}  killed mid-way ${r.killedMidway}  files lost ${r.filesLost}  unnamed refs ${r.unnamedRefs}  unfinished ${r.unfinished}`);
    for (const p of r.problems) console.log(`  ${p}`);
  }
}));
console.log(`done in ${Math.round((Date.now() - started) / 1000)} s`);
process.exitCode = results.some((r) => r.filesLost || r.unnamedRefs || r.unfinished) ? 1 : 0;
