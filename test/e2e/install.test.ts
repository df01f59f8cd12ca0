/**
 * ao installed like a package: the tarball `npm pack` makes (what `npm install -g`
 * of a git URL or a tarball installs) runs on its own, outside this checkout.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runProc } from "../helpers/proc.js";
import { ROOT } from "../helpers/sandbox.js";

const dir = mkdtempSync(join(tmpdir(), "ao-install-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the packed tarball", () => {
  it("installs into a fresh prefix and answers --version and --help", async () => {
    // --ignore-scripts: `npm test` has just built dist/; rebuilding it here would race the other tests.
    execFileSync("npm", ["pack", "--ignore-scripts", "--pack-destination", dir], { cwd: ROOT, stdio: "pipe" });
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
    // The bundle users run (bin/ao.js loads it), and not the build's metafile.
    const listing = execFileSync("tar", ["-tzf", join(dir, tarball)], { encoding: "utf8" }).split("\n");
    expect(listing).toContain("package/dist/bin/ao.cjs");
    expect(listing.some((f) => f.startsWith("package/dist/bin/chunks/") && f.endsWith(".mjs"))).toBe(true);
    expect(listing.some((f) => f.includes(".build/"))).toBe(false);
    const prefix = join(dir, "prefix");
    const install = await runProc("npm", ["install", "-g", "--prefix", prefix, "--prefer-offline", "--no-audit", "--no-fund", join(dir, tarball)], { cwd: dir });
    expect(install.code, install.stderr).toBe(0);
    const env = { PATH: `${join(prefix, "bin")}:${process.env.PATH}`, HOME: dir };
    const version = await runProc(join(prefix, "bin", "ao"), ["--version"], { cwd: dir, env });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = await runProc(join(prefix, "bin", "ao"), ["--help"], { cwd: dir, env });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain("Usage: ao [options] [command]");
    expect(help.stdout).toContain("spawn");
  }, 180_000);
});
