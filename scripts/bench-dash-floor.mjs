#!/usr/bin/env node
// The least an idle `ao dash` refresh can cost while it asks tmux once a second:
// a loop that does nothing but start the same `tmux list-panes -a` once a second,
// over N tmux sessions (on a private socket), measured as the CPU of this process
// (starting the child) and of its reaped children (the tmux clients).
//   BENCH_FLOOR_SIZES=10,200  BENCH_FLOOR_S=20
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const sizes = (process.env.BENCH_FLOOR_SIZES ?? "10,200").split(",").map(Number);
const seconds = Number(process.env.BENCH_FLOOR_S ?? 20);
const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
const FORMAT = "#{session_name}\t#{pane_pid}\t#{pane_dead}\t#{window_activity}\t#{pane_current_command}";

/** [own, children's] CPU seconds of this process, from /proc. */
function cpu() {
  const stat = readFileSync(`/proc/${process.pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  return [(f[11] + f[12]) / CLK_TCK, (f[13] + f[14]) / CLK_TCK];
}

for (const n of sizes) {
  const socket = `ao-bench-floor-${process.pid}-${n}`;
  try {
    for (let i = 0; i < n; i++) spawnSync("tmux", ["-L", socket, "new-session", "-d", "-s", `s${i}`, "sleep", "86400"]);
    const list = () => new Promise((resolve) => spawn("tmux", ["-L", socket, "list-panes", "-a", "-F", FORMAT], { stdio: ["ignore", "pipe", "ignore"] }).on("close", resolve).stdout.resume());
    await list();
    const [own0, kids0] = cpu();
    const t0 = Date.now();
    for (let i = 0; i < seconds; i++) {
      await list();
      await new Promise((r) => setTimeout(r, 1000));
    }
    const [own1, kids1] = cpu();
    const wall = (Date.now() - t0) / 1000;
    const pct = (x) => `${((x / wall) * 100).toFixed(2)}%`;
    console.log(`N=${n}: ${pct(own1 - own0 + kids1 - kids0)} of a core (starting the process ${pct(own1 - own0)}, the tmux clients ${pct(kids1 - kids0)})`);
  } finally {
    spawnSync("tmux", ["-L", socket, "kill-server"]);
  }
}
