#!/usr/bin/env node
// `npm run prepare`: builds dist/ for git installs (npm install -g git+https://…)
// and `npm pack`. npm installs a git package's devDependencies before its
// prepare script, except with -g, where it puts them in the global prefix
// instead of the clone (npm/cli#8440), so the build's own tools are missing
// there: install them into this directory first, then build.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
const run = (args, env = process.env) => execFileSync(npm[0], [...npm.slice(1), ...args], { cwd: root, stdio: "inherit", env });

if (!existsSync(join(root, "node_modules", "typescript"))) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_(global|prefix|location|omit|include|production)$/i.test(k)));
  run(["install", "--no-save", "--ignore-scripts", "--no-audit", "--no-fund", "--include=dev", "--global=false"], env);
}
run(["run", "build"]);
