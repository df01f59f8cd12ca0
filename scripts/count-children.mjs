// Preloaded by the benchmark (node --import): appends one line per child process
// this node process starts to $AO_COUNT_CHILDREN_FILE.
import childProcess from "node:child_process";
import { appendFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const file = process.env.AO_COUNT_CHILDREN_FILE;
if (file) {
  for (const name of ["spawn", "spawnSync", "execFile", "execFileSync", "exec", "execSync", "fork"]) {
    const original = childProcess[name];
    childProcess[name] = function (...args) {
      appendFileSync(file, `${name} ${String(args[0])}\n`);
      return original.apply(this, args);
    };
  }
  syncBuiltinESMExports();
}
