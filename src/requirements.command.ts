import type { RequirementsArgs } from './args.js';
import { ExitCode } from './errors.js';
import type { CliIo } from './io.js';
import { failLoudlyOnNetworkErrors } from './network.js';
import { challengeOf, formatRequirementsHuman, formatRequirementsJson, parseBody } from './output.js';
import { planRequest } from './request.js';

/**
 * `x402 requirements <url>`: sends the request without paying and prints the decoded 402 challenge.
 *
 * @returns 0 when a challenge was decoded or the route is free (2xx); 1 otherwise
 */
export async function runRequirements(args: RequirementsArgs, io: CliIo): Promise<number> {
  const plan = await planRequest(args, io.readFile);
  const response = await failLoudlyOnNetworkErrors(io.fetch)(args.url, {
    method: plan.method,
    headers: plan.headers,
    body: plan.body,
  });
  const { body, isJson } = parseBody(await response.text(), response.headers.get('content-type'));
  const challenge = response.status === 402 ? challengeOf(response.headers, body) : undefined;
  const exitCode = challenge || response.ok ? ExitCode.Ok : ExitCode.HttpError;

  if (args.json) {
    io.stdout(formatRequirementsJson(response.status, challenge));
    return exitCode;
  }
  const lines = [`${plan.method} ${args.url.href} -> ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`];
  if (challenge) {
    lines.push(formatRequirementsHuman(challenge));
  } else {
    lines.push(
      response.ok
        ? 'No payment required: the route answered without a 402 challenge.'
        : response.status === 402
          ? 'The server answered 402 but without a readable x402 challenge (no PAYMENT-REQUIRED header, no v1 JSON body).'
          : 'Not a 402 answer, so no payment requirements to show.',
    );
    const text = isJson ? JSON.stringify(body, null, 2) : String(body);
    if (text) lines.push(`Body:\n${text}`);
  }
  io.stdout(lines.join('\n'));
  return exitCode;
}
