/** Process exit codes of the `x402` command. */
export const ExitCode = {
  /** The request ended with a 2xx answer. */
  Ok: 0,
  /** The server answered with a non-2xx status (including a 402 that survived payment) or refused the payment. */
  HttpError: 1,
  /** Bad command line: unknown option, bad URL, bad key, ... */
  Usage: 2,
  /** The price is above `--max`; nothing was signed. */
  SpendingCap: 3,
  /** The server (or RPC) could not be reached. */
  Network: 4,
  /** `x402 reconcile`: the ledger and the chain disagree. */
  Mismatch: 5,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An expected failure: printed as one line (no stack trace) and turned into an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    /** Short machine-readable kind, used in `--json` error output. */
    readonly kind: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The command line is wrong. The message names the offending option or argument. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Usage, 'usage');
  }
}

/** The selected price is above the user's `--max`. */
export class SpendingCapError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.SpendingCap, 'spending_cap');
  }
}

/** The server could not be reached (connection refused, DNS failure, reset, ...). */
export class NetworkError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.Network, 'network');
  }
}

/** The server asked for payment but no payment could be made (unsupported scheme, malformed challenge, ...). */
export class PaymentError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.HttpError, 'payment');
  }
}

/** Hides anything that looks like a private key (32 bytes of hex) before a message is printed. */
export function redactSecrets(text: string): string {
  return text.replace(/(0x)?[0-9a-fA-F]{64}/g, '<redacted>');
}
