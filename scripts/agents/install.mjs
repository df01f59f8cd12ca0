#!/usr/bin/env node
// Installs the pinned agents the real-agent suite (npm run test:agents) drives,
// each into its own prefix under the cache directory, and skips one already there.
// Prints the cache directory. Change a pin in versions.mjs and run this again.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { AGENTS, agentsCache, binPath } from "./versions.mjs";

const cache = agentsCache();
mkdirSync(cache, { recursive: true });
let failed = false;
for (const agent of Object.values(AGENTS)) {
  const bin = binPath(cache, agent);
  if (existsSync(bin)) {
    console.log(`${agent.pkg}@${agent.version}: present`);
    continue;
  }
  // Install into a temp prefix and rename it into place, so an interrupted install is never taken for a finished one.
  const prefix = join(cache, `${agent.pkg.replace("/", "+")}@${agent.version}`);
  const partial = `${prefix}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  console.log(`${agent.pkg}@${agent.version}: installing into ${prefix}`);
  const r = spawnSync("npm", ["install", "--prefix", partial, "--no-audit", "--no-fund", "--loglevel=error", `${agent.pkg}@${agent.version}`], { stdio: "inherit" });
  if (r.status !== 0 || !existsSync(binPath(cache, agent, partial))) {
    console.error(`${agent.pkg}@${agent.version}: install failed`);
    rmSync(partial, { recursive: true, force: true });
    failed = true;
    continue;
  }
  rmSync(prefix, { recursive: true, force: true });
  renameSync(partial, prefix);
}
console.log(`agents in ${cache}`);
process.exit(failed ? 1 : 0);
