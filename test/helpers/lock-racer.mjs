// One of several processes racing for stale locks (test/reliability/locks.test.ts).
// argv: distDir dir trials startAtMs. Trial i starts at startAtMs + i*period on every
// racer at once; the winner logs enter/exit around a hold so overlaps show.
import { appendFileSync } from "node:fs";
import { join } from "node:path";

const [distDir, dir, trialsArg, startArg, periodArg] = process.argv.slice(2);
const { tryLock, unlock } = await import(join(distDir, "adapters", "lock.js"));
const trials = Number(trialsArg);
const startAt = Number(startArg);
const period = Number(periodArg);
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const log = join(dir, "log");

for (let i = 0; i < trials; i++) {
  const at = startAt + i * period;
  while (Date.now() < at - 2) sleep(1);
  while (Date.now() < at); // spin the last moment: all racers go together
  const lock = join(dir, `trial-${i}.lock`);
  const got = tryLock(lock);
  if (got.ok) {
    appendFileSync(log, `${i} enter ${process.pid}\n`);
    sleep(15);
    appendFileSync(log, `${i} exit ${process.pid}\n`);
    unlock(lock);
  }
}
