/**
 * Commander wiring. Each command's module is imported only when that command runs.
 */
import { Command, CommanderError, Option } from "commander";
import { AoError, ExitCode } from "../core/errors.js";
import { Cli, type GlobalOptions } from "./context.js";

type Loader = () => Promise<(cli: Cli, ...args: any[]) => Promise<void>>;

export async function runCli(argv: string[], version: string): Promise<number> {
  const program = new Command("ao");
  const { wants, wantsSub } = route(argv);
  let cli: Cli | undefined;
  const getCli = () => (cli ??= new Cli(program.opts<GlobalOptions>()));
  /** Wraps a lazily imported handler; commander passes (args…, options, command). */
  const lazy = (load: Loader) => async (...args: unknown[]) => {
    const handler = await load();
    await handler(getCli(), ...args.slice(0, -1));
  };
  const example = (cmd: Command, ...lines: string[]) =>
    cmd.addHelpText("after", `\nExample${lines.length > 1 ? "s" : ""}:\n${lines.map((l) => `  $ ${l}`).join("\n")}`);

  program
    .description("Run AI coding agents in parallel, each in its own git worktree and tmux session.")
    .version(version, "-V, --version")
    .option("--config <path>", "path to agent-orchestrator.yaml")
    .option("--no-color", "disable colour (also NO_COLOR)")
    .exitOverride()
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      // One error prefix for every error ao prints: commander's own say "error:".
      outputError: (s, write) => write(s.replace(/^error: /, "Error: ")),
    });
  example(program, "ao spawn my-app INT-123 --prompt 'Fix the login bug'", "ao session ls");

  if (wants("init")) example(
    program
      .command("init")
      .description("Write agent-orchestrator.yaml for the git repository in the current directory")
      .option("--force", "overwrite an existing file")
      .action(lazy(async () => (await import("./commands/init.js")).initCommand)),
    "cd ~/code/my-app && ao init",
  );

  if (wants("trust")) example(
    program
      .command("trust")
      .description("Obey this content of a config found by walking up that defines commands or github.apiUrl")
      .argument("[path]", "the config (default: the one found from the current directory)")
      .action(lazy(async () => (await import("./commands/trust.js")).trustCommand)),
    "ao trust ~/code/my-app/agent-orchestrator.yaml",
  );

  if (wants("spawn")) example(
    program
      .command("spawn")
      .description("Start an agent on a new worktree and branch in its own tmux session")
      .argument("<project>", "project id from the config")
      .argument("[issue]", "issue id, e.g. INT-123 or 42")
      .option("--agent <name>", "agent preset or custom agent")
      .addOption(new Option("--prompt <text>", "first prompt for the agent").conflicts("promptFile"))
      .option("--prompt-file <file>", "read the first prompt from a file ('-' for stdin)")
      .option("--title <text>", "title; also names the branch")
      .option("--branch <name>", "branch to create or check out")
      .option("--base <ref>", "start the branch from this ref instead of origin/<defaultBranch>")
      .option("--json", "print one JSON object: what was done (see the README)")
      .action(lazy(async () => (await import("./commands/spawn.js")).spawnCommand)),
    "ao spawn my-app INT-123 --title 'Fix errors' --prompt 'Fix the errors in the log'",
  );

  const session = wants("session") ? program.command("session").description("List and manage sessions") : undefined;
  if (session) example(session, "ao session ls");
  const load = async () => import("./commands/session.js");
  if (session && wantsSub("ls")) example(
    session
      .command("ls")
      .description("List sessions with branch, activity, status and PR")
      .option("-p, --project <id>", "only this project")
      .option("--status <status>", "only this status (working, idle, dead, killed… or an alias)")
      .option("--agent <name>", "only this agent")
      .option("--all", "include killed, done and exited sessions")
      .option("--offline", "do not refresh PR and issue state from GitHub")
      .option("--json", "print JSON")
      .action(lazy(async () => (await load()).lsCommand)),
    "ao session ls --project my-app --status working",
  );
  if (session && wantsSub("get")) example(
    session
      .command("get")
      .description("Show every recorded field of a session, its live status and PR")
      .argument("<session>", "name or unique prefix")
      .option("--json", "print JSON")
      .action(lazy(async () => (await load()).getCommand)),
    "ao session get ma-int",
  );
  if (session && wantsSub("attach")) example(
    session
      .command("attach")
      .description("Attach this terminal to the session's tmux session")
      .argument("<session>", "name or unique prefix")
      .action(lazy(async () => (await load()).attachCommand)),
    "ao session attach ma-int-123",
  );
  if (session && wantsSub("kill", "end")) example(
    session
      .command("kill")
      .alias("end")
      .description("Stop the agent and remove the worktree (refuses to drop uncommitted work); alias: end")
      .argument("<session>", "name or unique prefix")
      .option("--force", "save uncommitted and untracked work to a git ref, then kill")
      .option("--json", "print one JSON object: what was done (see the README)")
      .action(lazy(async () => (await load()).killCommand)),
    "ao session kill ma-int-123",
    "ao session end ma-int-123 --force",
  );
  if (session && wantsSub("pause")) example(
    session
      .command("pause")
      .description("Stop the agent and free its tmux session; keep the worktree (or release it too)")
      .argument("<session>", "name or unique prefix")
      .option("--release-worktree", "also remove the worktree (work saved to a ref) so the branch can be checked out elsewhere")
      .option("--json", "print one JSON object: what was done (see the README)")
      .action(lazy(async () => (await load()).pauseCommand)),
    "ao session pause ma-int-123",
    "ao session pause ma-int-123 --release-worktree",
  );
  if (session && wantsSub("resume")) example(
    session
      .command("resume")
      .description("Resume a paused session: warm if its tmux session still runs, else relaunch the agent")
      .argument("<session>", "name or unique prefix")
      .option("--json", "print one JSON object: what was done (see the README)")
      .action(lazy(async () => (await load()).resumeCommand)),
    "ao session resume ma-int-123",
  );
  if (session && wantsSub("reply")) example(
    session
      .command("reply")
      .description("Answer the agent's permission prompt with the keys its agent defines")
      .argument("<session>", "name or unique prefix")
      .argument("<answer>", "once, always or reject")
      .option("--force", "send the keys even when the agent's screen does not read as a question")
      .option("--json", "print one JSON object: what was done (see the README)")
      .action(lazy(async () => (await load()).replyCommand)),
    "ao session reply ma-int-123 once",
  );
  if (session && wantsSub("abort")) example(
    session
      .command("abort")
      .description("Interrupt the agent's current turn (Esc or Ctrl-C, per agent)")
      .argument("<session>", "name or unique prefix")
      .option("--json", "print one JSON object: what was done (see the README)")
      .action(lazy(async () => (await load()).abortCommand)),
    "ao session abort ma-int-123",
  );
  if (session && wantsSub("update")) example(
    session
      .command("update")
      .description("Change a session's title")
      .argument("<session>", "name or unique prefix")
      .option("--title <text>", "the new title")
      .action(lazy(async () => (await load()).updateCommand)),
    "ao session update ma-int-123 --title 'Fix the login errors'",
  );
  if (session && wantsSub("logs")) example(
    session
      .command("logs")
      .description("Print the agent's screen and scrollback as plain text (kept after kill and cleanup)")
      .argument("<session>", "name or unique prefix")
      .option("--lines <n>", "only the last n lines")
      .option("--follow", "keep printing new output until the agent's runtime ends (Ctrl-C stops)")
      .action(lazy(async () => (await import("./commands/logs.js")).logsCommand)),
    "ao session logs ma-int-123 --lines 40",
    "ao session logs ma-int-123 --follow",
  );
  if (session && wantsSub("events")) example(
    session
      .command("events")
      .description("Show a session's event history (spawned, messages, status changes, PR, restored, killed, cleaned)")
      .argument("<session>", "name or unique prefix")
      .option("--limit <n>", "at most n events")
      .option("--after <id>", "only events after this id (the next page)")
      .option("--follow", "print new events as they happen, until the session ends (Ctrl-C stops)")
      .option("--json", "print JSON (JSON Lines with --follow)")
      .action(lazy(async () => (await import("./commands/events.js")).eventsCommand)),
    "ao session events ma-int-123 --limit 20",
    "ao session events ma-int-123 --follow --json",
  );
  if (session && wantsSub("exec")) example(
    session
      .command("exec")
      .description("Run a command in the session's worktree (no shell) and exit with its code")
      .argument("<session>", "name or unique prefix")
      .argument("<command...>", "the command and its arguments, after --")
      .action(lazy(async () => (await load()).execCommand)),
    "ao session exec ma-int-123 -- git status --short",
    "ao session exec ma-int-123 -- sh -c 'npm test 2>&1 | tail -5'",
  );
  if (session && wantsSub("cleanup")) example(
    session
      .command("cleanup")
      .description("End sessions whose PR is merged, whose issue is closed, or whose runtime is long dead")
      .option("-p, --project <id>", "only this project")
      .option("--dry-run", "show what would be cleaned; change nothing")
      .option("--json", "print JSON: every session with its decision and reason")
      .action(lazy(async () => (await import("./commands/cleanup.js")).cleanupCommand)),
    "ao session cleanup --dry-run",
    "ao session cleanup --project my-app --json",
  );
  if (session && wantsSub("restore")) example(
    session
      .command("restore")
      .description("Recreate a dead session's tmux session in its worktree and relaunch the agent")
      .argument("[session]", "name or unique prefix")
      .option("--all", "restore every session whose runtime is gone (after a reboot)")
      .option("--json", "print one JSON object: what was done (see the README)")
      .action(lazy(async () => (await load()).restoreCommand)),
    "ao session restore ma-int-123",
    "ao session restore --all",
  );

  if (wants("send")) example(
    program
      .command("send")
      .description("Send a message to an agent as one input, then Enter")
      .argument("<session>", "name or unique prefix")
      .argument("[message...]", "the message ('-' reads stdin)")
      .option("-f, --file <file>", "read the message from a file ('-' for stdin)")
      .option("--wait", "return when the agent has finished its turn, printing what it answered")
      .option("--timeout <seconds>", "with --wait: give up after this long (exit 124; default 600)")
      .option("--force", "send even while the agent's screen shows a question (the Enter may answer it)")
      .option("--json", "print one JSON object: what was done (see the README)")
      .action(lazy(async () => (await import("./commands/send.js")).sendCommand)),
    "ao send ma-int-123 'Please also add tests'",
    "git diff | ao send ma-int-123 -",
    "ao send ma-int-123 --wait --timeout 120 'Run the tests and summarise'",
  );

  if (wants("status")) example(
    program
      .command("status")
      .description("Overview of sessions with their status and PR")
      .option("-p, --project <id>", "only this project")
      .option("--offline", "do not refresh PR and issue state from GitHub")
      .option("--json", "print JSON (the same array as 'session ls --json')")
      .action(lazy(async () => (await load()).statusCommand)),
    "ao status --json | jq -r '.[] | select(.name==\"ma-1\") | .workspacePath'",
  );

  if (wants("dash")) example(
    program
      .command("dash")
      .description("Live full-screen view of every session: the ones that need you first, a preview, keys to act")
      .option("-p, --project <id>", "only this project")
      .action(lazy(async () => (await import("./commands/dash.js")).dashCommand)),
    "ao dash",
    "ao dash --project my-app",
  );

  if (wants("doctor")) example(
    program
      .command("doctor")
      .description("Check tools, config, dataDir, locks, worktrees and tmux sessions; --fix repairs what cannot lose work")
      .option("--fix", "apply the fixes that cannot lose work")
      .option("--json", "print JSON")
      .action(lazy(async () => (await import("./commands/doctor.js")).doctorCommand)),
    "ao doctor",
    "ao doctor --fix",
  );

  if (wants("watch")) example(
    program
      .command("watch")
      .description("Watch every session: feed agents their CI failures, reviews and conflicts; notify when a human is needed")
      .option("-p, --project <id>", "only this project")
      .option("--once", "make one pass and exit (for cron)")
      .option("--json", "print one JSON object per event and line")
      .action(lazy(async () => (await import("./commands/watch.js")).watchCommand)),
    "ao watch",
    "ao watch --once --json",
  );

  // Bare `ao` and `ao session` ask what there is: help on stdout, exit 0 (as gh does).
  if (argv.length === 0 || (argv.length === 1 && argv[0] === "session")) {
    (argv.length && session ? session : program).outputHelp();
    return ExitCode.ok;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
    return ExitCode.ok;
  } catch (err) {
    return report(err, getCli(), argv);
  }
}

/** ao's commands and `ao session`'s subcommands (with aliases): what route() may pick out of argv. */
export const COMMANDS = ["init", "trust", "spawn", "session", "send", "status", "dash", "doctor", "watch"];
export const SESSION_COMMANDS = ["ls", "get", "attach", "kill", "end", "pause", "resume", "reply", "abort", "update", "logs", "events", "exec", "cleanup", "restore"];

/**
 * Which commands to build: only the one argv names (building commander's whole
 * tree is ~4 ms of a listing's start-up), or all of them when argv asks for
 * help, starts with an option, or names no command (commander's help and
 * "did you mean" need every command).
 */
function route(argv: readonly string[]): { wants(name: string): boolean; wantsSub(...names: string[]): boolean } {
  const all = argv.includes("--help") || argv.includes("-h") || !COMMANDS.includes(argv[0] ?? "");
  const sub = argv[0] === "session" && !all && SESSION_COMMANDS.includes(argv[1] ?? "") ? argv[1] : undefined;
  return { wants: (name) => all || argv[0] === name, wantsSub: (...names) => !sub || names.includes(sub) };
}

function report(err: unknown, cli: Cli, argv: readonly string[]): number {
  if (err instanceof CommanderError) {
    // `ao send S "-x is broken"`: the message was read as an option (not `ls --bogus`: that is just a wrong option).
    if (err.code === "commander.unknownOption" && (/^unknown option '-[^']*\s/.test(err.message.replace(/^error: /i, "")) || argv[0] === "send")) cli.err("A message or argument that starts with '-' goes after --, e.g. ao send ma-1 -- '-x is broken'");
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof AoError) {
    if (err.quiet) return err.exitCode;
    cli.err(err.bare ? err.message : `Error: ${err.message}`);
    if (err.hint) cli.err(err.hint);
    if (cli.env.AO_DEBUG && err.cause) cli.err(String((err.cause as Error).stack ?? err.cause));
    return err.exitCode;
  }
  const e = err as NodeJS.ErrnoException;
  cli.err(`Error: ${e?.message ?? String(err)}`);
  if (e?.code === "EACCES" || e?.code === "EROFS" || e?.code === "ENOSPC") cli.err("Check the permissions and free space of the data directory.");
  if (cli.env.AO_DEBUG) cli.err(String(e?.stack));
  return ExitCode.error;
}
