/** `ao session cleanup [-p ID] [--dry-run] [--json]` (SPEC §4, exact output). */
import type { CleanupReport } from "../../core/cleanup.js";
import { AoError } from "../../core/errors.js";
import type { Cli } from "../context.js";

export async function cleanupCommand(cli: Cli, opts: { project?: string; dryRun?: boolean; json?: boolean }): Promise<void> {
  const ao = await cli.orchestrator();
  const notes: string[] = [];
  const report = await ao.cleanup({ project: opts.project, dryRun: opts.dryRun }, { note: (m) => notes.push(m), warn: (m) => notes.push(m) });
  if (report.busyPid !== undefined) {
    // Waited, and the other run still holds the lock: this run did nothing, which cron should see.
    if (opts.json) cli.json({ busy: true, pid: report.busyPid });
    else cli.out(`Another cleanup is running (pid ${report.busyPid ?? "unknown"}).`);
    throw new AoError("Another cleanup is running", { bare: true, quiet: true });
  }
  for (const n of notes) cli.err(`Note: ${n}`);
  for (const w of report.warnings) await cli.warn(w);
  const failed = report.items.filter((i) => i.error).length;
  if (opts.json) cli.json(toJson(report));
  else cli.out(renderCleanup(report));
  if (failed || report.warnings.length) {
    // The output above already says what happened; only the exit code is left to set.
    throw new AoError(`${failed ? `${failed} session${failed === 1 ? "" : "s"} could not be cleaned` : "GitHub could not be asked about every session"}`, { bare: true, quiet: true });
  }
}

export function renderCleanup(r: CleanupReport): string {
  const clean = r.items.filter((i) => i.decision === "clean");
  const notable = r.items.filter((i) => i.notable);
  const lines = ["Checking for completed sessions...", ""];
  for (const i of notable) lines.push(`  Keeping ${i.name}: ${i.reason}`);
  if (r.dryRun) {
    for (const i of clean) lines.push(`  Would kill ${i.name}`);
  } else {
    for (const i of clean) {
      if (i.error) lines.push(`  Error cleaning ${i.name}: ${i.error}`);
      else if (i.cleaned) {
        lines.push(`  Cleaned: ${i.name}`);
        if (i.savedRef) lines.push(`    Uncommitted work saved to ${i.savedRef}`);
      }
    }
  }
  const count = r.dryRun ? clean.length : clean.filter((i) => i.cleaned).length;
  if (clean.length === 0) {
    if (notable.length) lines.push("");
    lines.push("Nothing to clean.");
    return lines.join("\n");
  }
  const n = `${count} session${count === 1 ? "" : "s"}`;
  lines.push("", r.dryRun ? `Dry run complete. ${n} would be cleaned.` : `Cleanup complete. ${n} cleaned.`);
  return lines.join("\n");
}

function toJson(r: CleanupReport) {
  return {
    dryRun: r.dryRun,
    cleaned: r.items.filter((i) => i.cleaned).length,
    sessions: r.items.map((i) => ({
      name: i.name,
      project: i.project,
      decision: i.decision,
      reason: i.reason,
      status: i.status ?? null,
      cleaned: i.cleaned ?? false,
      error: i.error ?? null,
      savedRef: i.savedRef ?? null,
    })),
    warnings: r.warnings,
  };
}
