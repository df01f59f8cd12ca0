/** `ao doctor [--fix] [--json]`. */
import type { Finding } from "../../core/doctor.js";
import { AoError } from "../../core/errors.js";
import type { Cli } from "../context.js";

export async function doctorCommand(cli: Cli, opts: { fix?: boolean; json?: boolean }): Promise<void> {
  const ao = await cli.orchestrator();
  const findings = await ao.doctor({ fix: opts.fix });
  const open = findings.filter((f) => !f.ok && !f.fixed);
  if (opts.json) cli.json({ ok: open.length === 0, findings });
  else cli.out(renderDoctor(findings, await cli.style(), opts.fix === true));
  if (open.length) throw new AoError(`${open.length} problem${open.length === 1 ? "" : "s"} found`, { bare: true, quiet: true });
}

function renderDoctor(findings: readonly Finding[], style: Awaited<ReturnType<Cli["style"]>>, fixing: boolean): string {
  const lines = findings.map((f) => {
    if (f.warning) return `${style.yellow("warn")}   ${f.message}\n       fix: ${f.fix}`;
    if (f.ok) return `${style.green("ok")}     ${f.message}`;
    if (f.fixed) return `${style.green("fixed")}  ${f.message}`;
    const tag = f.fixError ? `  (--fix failed: ${f.fixError})` : f.autoFix ? "  [--fix]" : "";
    return `${style.red("✗")}      ${f.message}\n       fix: ${f.fix}${tag}`;
  });
  const open = findings.filter((f) => !f.ok && !f.fixed);
  const fixed = findings.filter((f) => f.fixed).length;
  const auto = open.filter((f) => f.autoFix && !f.fixError).length;
  const warnings = findings.filter((f) => f.warning).length;
  const warned = warnings ? ` (${warnings} warning${warnings === 1 ? "" : "s"})` : "";
  const summary =
    open.length === 0
      ? fixed ? `Fixed ${fixed} problem${fixed === 1 ? "" : "s"}; all checks pass${warned}.` : `All checks pass${warned}.`
      : `${open.length} problem${open.length === 1 ? "" : "s"}${fixed ? ` left (${fixed} fixed)` : ""}.${!fixing && auto ? ` ${auto} can be fixed safely with: ao doctor --fix` : ""}`;
  return `${lines.join("\n")}\n\n${summary}`;
}
