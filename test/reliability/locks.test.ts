/**
 * Locks: taking over a dead owner's lock lets exactly one process in, a pid that
 * now belongs to another process (reboot, wrap) does not keep a lock alive, and
 * a cleanup that could not run because of another one says so and exits 1.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runProc, waitFor } from "../helpers/proc.js";
import { ROOT, useSandbox } from "../helpers/sandbox.js";

const s = useSandbox();
const DIST = join(ROOT, "dist");
const RACER = join(ROOT, "test", "helpers", "lock-racer.mjs");

/** A pid whose process has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => child.on("exit", r));
  return child.pid!;
}

describe("stale-lock takeover", () => {
  it("lets at most one of six racing processes in, in each of 80 trials", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ao-lock-race-"));
    try {
      const trials = 80;
      const period = 60;
      const dead = await deadPid();
      for (let i = 0; i < trials; i++) writeFileSync(join(dir, `trial-${i}.lock`), String(dead));
      const startAt = Date.now() + 1_500; // after every racer has loaded
      const racers = Array.from({ length: 6 }, () => runProc(process.execPath, [RACER, DIST, dir, String(trials), String(startAt), String(period)]));
      for (const r of await Promise.all(racers)) expect(r.code, r.stderr).toBe(0);

      const lines = readFileSync(join(dir, "log"), "utf8").trim().split("\n").map((l) => l.split(" "));
      const overlaps: string[] = [];
      const holders = new Map<string, string | undefined>();
      const entered = new Set<string>();
      for (const [trial, what, pid] of lines as [string, string, string][]) {
        if (what === "enter") {
          if (holders.get(trial)) overlaps.push(`trial ${trial}: ${pid} entered while ${holders.get(trial)} held the lock`);
          holders.set(trial, pid);
          entered.add(trial);
        } else if (holders.get(trial) === pid) holders.set(trial, undefined);
      }
      expect(overlaps).toEqual([]);
      expect(entered.size).toBe(trials); // and every stale lock was taken over
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("lock owners are more than a pid", () => {
  const bootId = () => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

  it("takes over a cleanup lock naming a live but unrelated process (a reused pid)", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    const lock = join(s.dataDir, "cleanup.lock");
    // This test's own pid is alive, but it did not start at tick 1 of this boot.
    writeFileSync(lock, `${process.pid} 1 ${bootId()}\n`);
    const r = await s.ao(["session", "cleanup"], { env: { AO_LOCK_TIMEOUT: "300" } });
    expect(r.stdout, r.stderr).toContain("Nothing to clean.");
    expect(r.code).toBe(0);
    // A lock of an older ao names a pid only: written before this boot, it is stale too.
    writeFileSync(lock, String(process.pid));
    utimesSync(lock, new Date("2001-01-01"), new Date("2001-01-01"));
    const old = await s.ao(["session", "cleanup"], { env: { AO_LOCK_TIMEOUT: "300" } });
    expect(old.stdout, old.stderr).toContain("Nothing to clean.");
    expect(old.code).toBe(0);
    const doctor = await s.ao(["doctor", "--json"]);
    expect(JSON.parse(doctor.stdout).findings.filter((f: { check: string; ok: boolean }) => f.check === "locks" && !f.ok)).toEqual([]);
  });

  it("doctor reports a reused pid's lock as stale, and --fix removes it", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    const lock = join(s.sessionsDir, "ma-1.lock");
    writeFileSync(lock, `${process.pid} 1 ${bootId()}\n`);
    const r = await s.ao(["doctor", "--json"]);
    expect(JSON.parse(r.stdout).findings.map((f: { message: string }) => f.message)).toContain(`stale lock ${lock} (pid ${process.pid} is another process now)`);
    await s.ao(["doctor", "--fix"]);
    expect(() => readFileSync(lock)).toThrow();
  });

  it("a cleanup that waited for another one still running gives up with exit 1, naming its pid", async () => {
    expect((await s.ao(["spawn", "my-app"])).code).toBe(0);
    const lock = join(s.dataDir, "cleanup.lock");
    const holder = spawn(process.execPath, ["--input-type=module", "-e", `const { tryLock } = await import(${JSON.stringify(join(DIST, "adapters", "lock.js"))}); if (!tryLock(${JSON.stringify(lock)}).ok) process.exit(3); console.log("held"); setTimeout(() => {}, 20000);`]);
    try {
      await waitFor(() => readFileSync(lock, "utf8").trim().split(" ")[0] === String(holder.pid), "the holder's lock");
      const started = Date.now();
      const r = await s.ao(["session", "cleanup"], { env: { AO_LOCK_TIMEOUT: "700" } });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(`Another cleanup is running (pid ${holder.pid}).\n`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    } finally {
      holder.kill("SIGKILL");
    }
    // Its owner gone, the next run takes the lock over.
    await new Promise((r) => holder.on("exit", r));
    const next = await s.ao(["session", "cleanup"]);
    expect(next.code, next.stderr).toBe(0);
  });
});
