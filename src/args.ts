import { parseArgs } from 'node:util';
import { UsageError, redactSecrets } from './errors.js';
import { parseUsd, type DecimalAmount } from './money.js';

/** Default spending cap per payment, in USD. */
export const DEFAULT_MAX_USD = '1.00';

/** Options shared by commands that send a request. */
export interface RequestArgs {
  url: URL;
  /** Upper-case HTTP method; undefined = GET, or POST when `data` is given. */
  method?: string;
  /** Raw `--data` value: inline JSON or `@path`. */
  data?: string;
  /** Parsed `--header 'Name: value'` pairs, in order. */
  headers: Array<[string, string]>;
  json: boolean;
}

export interface PayArgs extends RequestArgs {
  command: 'pay';
  /** Raw `--key` value (validated when the buyer is resolved; never printed). */
  key?: string;
  max: DecimalAmount;
  rpc?: URL;
}

export interface RequirementsArgs extends RequestArgs {
  command: 'requirements';
}

/** `x402 migrate`: apply (or revert the last of) the ledger's migrations. */
export interface MigrateArgs {
  command: 'migrate';
  /** PostgreSQL URL; defaults to $DATABASE_URL when the command runs. */
  databaseUrl?: string;
  revert: boolean;
}

/** `x402 reconcile`: compare the payment ledger with the chain. */
export interface ReconcileArgs {
  command: 'reconcile';
  /** PostgreSQL URL; defaults to $DATABASE_URL when the command runs. */
  databaseUrl?: string;
  /** JSON-RPC URL of the chain; defaults to $X402_RPC_URL when the command runs. */
  rpc?: URL;
  fromBlock?: bigint;
  toBlock?: bigint;
  json: boolean;
}

export type CliArgs = { command: 'help' } | PayArgs | RequirementsArgs | MigrateArgs | ReconcileArgs;

const OPTIONS = {
  key: { type: 'string' },
  method: { type: 'string', short: 'X' },
  data: { type: 'string', short: 'd' },
  header: { type: 'string', short: 'H', multiple: true },
  max: { type: 'string' },
  rpc: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'database-url': { type: 'string' },
  revert: { type: 'boolean' },
  'from-block': { type: 'string' },
  'to-block': { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;

const COMMAND_OPTIONS: Record<'pay' | 'requirements' | 'migrate' | 'reconcile', readonly OptionName[]> = {
  pay: ['key', 'method', 'data', 'header', 'max', 'rpc', 'json', 'help'],
  requirements: ['method', 'data', 'header', 'json', 'help'],
  migrate: ['database-url', 'revert', 'help'],
  reconcile: ['database-url', 'rpc', 'from-block', 'to-block', 'json', 'help'],
};

/**
 * Parses `x402 <command> ...` (argv without node and script). Pure: no environment, no I/O.
 *
 * @throws UsageError whose message names the offending option or argument
 */
export function parseCommandLine(argv: readonly string[]): CliArgs {
  const beforeSeparator = argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv;
  if (beforeSeparator.includes('--help') || beforeSeparator.includes('-h')) return { command: 'help' };
  const parsed = parseStrict(argv);
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || command === 'help' || command === undefined) {
    if (command === undefined && !parsed.values.help) throw new UsageError('missing command (try: x402 help)');
    return { command: 'help' };
  }
  if (command !== 'pay' && command !== 'requirements' && command !== 'migrate' && command !== 'reconcile') {
    throw new UsageError(`unknown command "${redactSecrets(command)}" (commands: pay, requirements, migrate, reconcile, help)`);
  }
  for (const name of Object.keys(parsed.values) as OptionName[]) {
    if (!COMMAND_OPTIONS[command].includes(name)) {
      throw new UsageError(`option --${name} is not valid for "x402 ${command}"`);
    }
  }
  if (command === 'migrate' || command === 'reconcile') {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${redactSecrets(rest[0])}"`);
    const databaseUrl = parsed.values['database-url'];
    if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
      throw new UsageError('option --database-url expects a postgres:// URL');
    }
    if (command === 'migrate') return { command, databaseUrl, revert: parsed.values.revert ?? false };
    return {
      command,
      databaseUrl,
      rpc: parsed.values.rpc === undefined ? undefined : parseHttpUrl(parsed.values.rpc, '--rpc'),
      fromBlock: parseBlock(parsed.values['from-block'], '--from-block'),
      toBlock: parseBlock(parsed.values['to-block'], '--to-block'),
      json: parsed.values.json ?? false,
    };
  }
  const [rawUrl, ...extra] = rest;
  if (rawUrl === undefined) throw new UsageError(`missing <url> (usage: x402 ${command} <url> [options])`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${redactSecrets(extra[0])}"`);

  const request: RequestArgs = {
    url: parseHttpUrl(rawUrl, '<url>'),
    method: parseMethod(parsed.values.method),
    data: parsed.values.data,
    headers: (parsed.values.header ?? []).map(parseHeader),
    json: parsed.values.json ?? false,
  };
  if (request.data !== undefined && (request.method === 'GET' || request.method === 'HEAD')) {
    throw new UsageError(`option --data cannot be used with --method ${request.method}`);
  }
  if (command === 'requirements') return { command, ...request };
  return {
    command,
    ...request,
    key: parsed.values.key,
    max: parseMax(parsed.values.max ?? DEFAULT_MAX_USD),
    rpc: parsed.values.rpc === undefined ? undefined : parseHttpUrl(parsed.values.rpc, '--rpc'),
  };
}

/** Splits `Name: value`; the name must be a valid HTTP token. */
export function parseHeader(raw: string): [string, string] {
  const colon = raw.indexOf(':');
  const name = colon < 0 ? '' : raw.slice(0, colon).trim();
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(`option --header expects 'Name: value', got "${redactSecrets(raw)}"`);
  }
  return [name, raw.slice(colon + 1).trim()];
}

function parseStrict(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw toUsageError(error);
  }
}

/** Rewrites node's parseArgs errors into short messages that still name the option. */
function toUsageError(error: unknown): UsageError {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-{1,2}[^' =<]+)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
    return new UsageError(`unknown option ${redactSecrets(option)} (see: x402 help)`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
    if (/does not take an argument/.test(message)) return new UsageError(`option ${option} does not take a value`);
    if (/ambiguous/.test(message)) {
      return new UsageError(`option ${option} needs a value (to pass one starting with "-", write ${option}=<value>)`);
    }
    return new UsageError(`option ${option} needs a value`);
  }
  return new UsageError(redactSecrets(message.split('\n')[0]));
}

function parseHttpUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${what}: "${redactSecrets(raw)}" is not a valid URL (expected http://... or https://...)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${what}: "${redactSecrets(raw)}" must be an http:// or https:// URL`);
  }
  return url;
}

function parseMethod(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z]+$/.test(raw)) throw new UsageError(`option --method expects an HTTP method like GET or POST, got "${redactSecrets(raw)}"`);
  const method = raw.toUpperCase();
  if (method === 'CONNECT' || method === 'TRACE' || method === 'TRACK') {
    throw new UsageError(`option --method: ${method} is not supported`);
  }
  return method;
}

function parseMax(raw: string): DecimalAmount {
  try {
    return parseUsd(raw);
  } catch {
    throw new UsageError(`option --max expects a USD amount like 1.00 or 0.05, got "${redactSecrets(raw)}"`);
  }
}

/** A block number option: decimal digits. */
function parseBlock(value: string | undefined, option: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,20}$/.test(value)) throw new UsageError(`option ${option} expects a block number`);
  return BigInt(value);
}
