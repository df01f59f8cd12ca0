import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runProc } from "./proc.js";

/** Where tmux puts a -L socket (TMUX_TMPDIR, else /tmp: tmux ignores TMPDIR); kill-server leaves the file behind. */
export function socketPath(name: string): string {
  return join(process.env.TMUX_TMPDIR || "/tmp", `tmux-${process.getuid!()}`, name);
}

let counter = 0;

/** A private tmux server (-L NAME); never the user's default one. */
export function tmuxServer() {
  const socket = `ao-test-${process.pid}-${Date.now().toString(36)}-${counter++}`;
  const tmux = (...args: string[]) => runProc("tmux", ["-L", socket, ...args]);
  return {
    socket,
    tmux,
    async capture(session: string): Promise<string> {
      return (await tmux("capture-pane", "-p", "-J", "-S", "-", "-t", `=${session}:`)).stdout;
    },
    async sessions(): Promise<string[]> {
      const r = await tmux("list-sessions", "-F", "#{session_name}");
      return r.code === 0 ? r.stdout.split("\n").filter(Boolean) : [];
    },
    async kill(): Promise<void> {
      await tmux("kill-server");
      rmSync(socketPath(socket), { force: true });
    },
  };
}

/** A `tmux` first on PATH (in `root`/bin) that logs each invocation, then runs the real one. */
export function countingTmux(sb: { root: string; env: NodeJS.ProcessEnv }): { env: NodeJS.ProcessEnv; calls(): string[]; reset(): void } {
  const real = execFileSync("sh", ["-c", "command -v tmux"], { encoding: "utf8" }).trim();
  const dir = join(sb.root, "bin");
  const log = join(sb.root, "tmux-calls.log");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "tmux"), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${log}"\nexec "${real}" "$@"\n`);
  chmodSync(join(dir, "tmux"), 0o755);
  writeFileSync(log, "");
  return { env: { PATH: `${dir}:${sb.env.PATH}` }, calls: () => readFileSync(log, "utf8").split("\n").filter(Boolean), reset: () => writeFileSync(log, "") };
}
