/**
 * Trusted config contents (SPEC §1 "Trust"), the way `direnv allow` and
 * `mise trust` work: a config that ao found on its own (walked up to, or recorded
 * by a session) and that defines commands or github.apiUrl is obeyed only when the
 * user has trusted exactly this content of exactly this file.
 *
 * One file per config, like direnv's allow directory:
 *   ${XDG_DATA_HOME:-~/.local/share}/agent-orchestrator/trust/<sha256 of the real path>
 * holding "<sha256 of the content> <real path>\n" (the path is there for whoever
 * reads the directory). Directory 0700, files 0600, written atomically, read
 * without following links. Deleting the file revokes the trust.
 *
 * --config, $AO_CONFIG and the user's own ~/.config/agent-orchestrator/config.yaml
 * need no trust: the user named or owns them (mise trusts its global config too).
 *
 * node:crypto is imported only here and only when a check is needed: it costs a
 * few milliseconds of start-up, which a config without commands never pays.
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AoError } from "../core/errors.js";
import { home, type ConfigSource } from "./locate.js";

export function trustRequired(source: ConfigSource): boolean {
  return source === "walked" || source === "session";
}

export async function sha256(text: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update(text).digest("hex");
}

export function trustDir(env: NodeJS.ProcessEnv): string {
  const data = env.XDG_DATA_HOME || join(home(env), ".local", "share");
  return join(data, "agent-orchestrator", "trust");
}

async function trustFile(configPath: string, env: NodeJS.ProcessEnv): Promise<{ file: string; real: string }> {
  const real = realpathSync(configPath);
  return { file: join(trustDir(env), await sha256(real)), real };
}

/** Whether `contentHash` is the trusted content of the config at `configPath`. */
export async function isTrusted(configPath: string, contentHash: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const { file } = await trustFile(configPath, env);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false; // never trusted, revoked, or a link planted in its place
  }
  try {
    if (!fstatSync(fd).isFile()) return false;
    return readFileSync(fd, "utf8").split(" ")[0] === contentHash;
  } finally {
    closeSync(fd);
  }
}

/** Records `text` as the trusted content of `configPath`; returns the trust file. */
export async function trustContent(configPath: string, text: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { file, real } = await trustFile(configPath, env);
  mkdirSync(trustDir(env), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${await sha256(text)} ${real}\n`, { mode: 0o600, flag: "wx" });
  renameSync(tmp, file);
  return file;
}

/** The one-line refusal naming the command that lifts it. */
export function untrusted(configPath: string): AoError {
  return new AoError(`${configPath} is not trusted (it defines commands or github.apiUrl); review it, then run: ao trust ${shellWord(configPath)}`);
}

/** A path as one shell word, for a hint the user copies. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}
