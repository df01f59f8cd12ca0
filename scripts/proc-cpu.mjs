// CPU time of a process tree from /proc (Linux), for the dash benchmarks.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/** /proc/PID/stat fields after the command name, or undefined for a process gone. */
function statOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/**
 * utime+stime of a process and of its reaped children (its tmux calls), in
 * seconds, plus the same of its live descendants: the resident shell that starts
 * the dash's listings (adapters/resident.ts) and the tmux clients it reaped.
 * `own`: the process's own part of `total` (all its threads).
 */
export function cpuSeconds(pid) {
  const parents = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statOf(entry);
    if (f) parents.set(Number(entry), Number(f[1]));
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  let total = 0;
  let own = 0;
  for (const p of tree) {
    const f = statOf(p);
    if (!f) continue;
    total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK;
    if (p === pid) own = (Number(f[11]) + Number(f[12])) / CLK_TCK;
  }
  return { total, own };
}
