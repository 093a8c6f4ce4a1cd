import { parseCommandLine } from './args.js';
import { CliError, ExitCode, redactSecrets, UsageError } from './errors.js';
import { processIo, type CliIo } from './io.js';
import { runMigrate } from './migrate.command.js';
import { runPay } from './pay.command.js';
import { runReconcile } from './reconcile.command.js';
import { runRequirements } from './requirements.command.js';
import { USAGE } from './usage.js';

/**
 * Entry point of the `x402` command (see libs/x402/bin/x402.mjs).
 *
 * @param argv - arguments after the program name
 * @returns the process exit code
 */
export async function main(argv: readonly string[] = process.argv.slice(2), io: CliIo = processIo()): Promise<number> {
  let json = false;
  try {
    const args = parseCommandLine(argv);
    if (args.command === 'help') {
      io.stdout(USAGE);
      return ExitCode.Ok;
    }
    if (args.command === 'migrate') return await runMigrate(args, io);
    if (args.command === 'reconcile') {
      json = args.json;
      return await runReconcile(args, io);
    }
    json = args.json;
    return args.command === 'pay' ? await runPay(args, io) : await runRequirements(args, io);
  } catch (error) {
    return reportError(error, io, json);
  }
}

/** Prints an error as one line (plus a JSON object on stdout with --json) and picks the exit code. */
function reportError(error: unknown, io: CliIo, json: boolean): number {
  const known = error instanceof CliError;
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  io.stderr(`x402: ${known ? message : `unexpected error: ${message}`}`);
  if (error instanceof UsageError) io.stderr('Run "x402 help" for usage.');
  if (!known && io.env.X402_DEBUG && error instanceof Error && error.stack) io.stderr(redactSecrets(error.stack));
  if (json) {
    io.stdout(JSON.stringify({ error: { kind: known ? error.kind : 'unexpected', message } }, null, 2));
  }
  return known ? error.exitCode : ExitCode.HttpError;
}
