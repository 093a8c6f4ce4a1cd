import { DEFAULT_MAX_USD } from './args.js';
import { DEMO_BUYER_ADDRESS, PRIVATE_KEY_ENV } from './buyer.js';

export const USAGE = `x402 — call HTTP routes priced with x402 (HTTP 402 + signed USDC payment)

Usage:
  x402 pay <url> [options]           send the request, pay the 402 challenge, print the answer
  x402 requirements <url> [options]  show what a route charges, without paying
  x402 migrate [--database-url <url>] [--revert]
                                     apply the payment ledger's migrations (default $DATABASE_URL)
  x402 reconcile [--database-url <url>] [--rpc <url>] [--from-block <n>] [--to-block <n>] [--json]
                                     compare the ledger with the chain (default $DATABASE_URL,
                                     $X402_RPC_URL, the last 10 000 blocks); exit 5 on a mismatch
  x402 help                          show this text (also: --help, -h)

Options for pay:
  --key <0xprivatekey>   buyer key (default: $${PRIVATE_KEY_ENV}, else the demo buyer
                         ${DEMO_BUYER_ADDRESS}, anvil test account #1)
  --max <usd>            refuse to pay more than this per request (default: ${DEFAULT_MAX_USD})
  --rpc <url>            JSON-RPC endpoint: print the buyer's token balance before and after
  -X, --method <method>  HTTP method (default: GET, or POST with --data)
  -d, --data <json|@file>
                         request body: inline JSON (sent as application/json) or a file
  -H, --header 'Name: value'
                         extra request header (repeatable)
  --json                 print one JSON object {status, headers, body, paymentResponse, paid}

Options for requirements: --method, --data, --header, --json

Any token is accepted. Its price (atomic units) is converted to USD with the token's decimals
(a known token's real decimals, else the offer's extra.decimals, else 6) and compared with
--max exactly; above it nothing is signed.

Exit codes:
  0  2xx answer            3  price above --max (nothing signed)
  1  other HTTP status     4  server unreachable
  2  usage error            5  reconcile: the ledger and the chain disagree

Examples:
  x402 requirements http://localhost:3000/weather
  x402 pay http://localhost:3000/weather --max 0.05
  x402 pay http://localhost:3000/reports -d '{"city":"Lisbon"}' -H 'Accept: application/json' --json`;
