import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  buildSIWxSchema,
  parseSIWxHeader,
  SIGN_IN_WITH_X,
  validateSIWxMessage,
  verifySIWxSignature,
} from '@x402/extensions/sign-in-with-x';
import { randomBytes } from 'node:crypto';
import { getAddress, isAddress } from 'viem';
import { ledgerCall } from '../ledger/ledger-call.js';
import { PAYMENT_STORE, type PaymentStore } from '../ledger/payment-store.interface.js';
import type { RoutePlan } from '../pricing/route-plan.types.js';
import { safeMessage } from '../facilitator/failure-reason.js';
import { logSafe } from '../logging/log-safe.js';
import { SIGN_IN_NONCE, SIGN_IN_NONCE_STORE, type SignInNonceStore } from './sign-in-nonce.store.js';

/** Why a sign-in did not grant access; the code goes into the 402. */
export interface AccessRefusal {
  granted: false;
  code: string;
  message: string;
}

export type AccessDecision = { granted: true; payer: string } | AccessRefusal;

/** How long a sign-in message stays acceptable after it was issued. */
const SIGN_IN_MAX_AGE_MS = 5 * 60_000;

/**
 * Paid sessions: a payer who paid for a route within its access window (`@Priced(..., { access: '1h' })`)
 * signs in with the `sign-in-with-x` extension (CAIP-122) instead of paying again. The proof of
 * payment is the ledger's receipts, so sessions survive restarts and work across instances. Each 402
 * issues a nonce into the {@link SignInNonceStore}; a sign-in must carry one issued here, unexpired, and
 * consumes it. The expected domain is the resource URL's: `publicUrl`, or the Host the HTTP platform
 * gives (X-Forwarded-Host only through the app's trust-proxy setting), never a raw forwarded header.
 */
@Injectable()
export class PaidAccessService {
  constructor(
    @Inject(PAYMENT_STORE) private readonly store: PaymentStore,
    @Inject(SIGN_IN_NONCE_STORE) private readonly nonces: SignInNonceStore,
  ) {}

  private readonly logger = new Logger('X402');

  /** The `sign-in-with-x` declaration of a 402: a fresh nonce (recorded as issued), bound to the resource's origin and URL. */
  async extensionFor(plan: RoutePlan, resourceUrl: string, networks: string[]): Promise<Record<string, unknown>> {
    const url = new URL(resourceUrl);
    const nonce = randomBytes(16).toString('hex');
    const issuedAt = Date.now();
    try {
      await this.nonces.issue(nonce, new Date(issuedAt + SIGN_IN_MAX_AGE_MS));
    } catch (error) {
      // The 402 still lets the client pay; it only offers no sign-in it could not honour.
      this.logger.warn(`sign-in nonce not recorded (${logSafe(error)}); this 402 offers no sign-in-with-x`);
      return {};
    }
    return {
      [SIGN_IN_WITH_X]: {
        info: {
          domain: url.host,
          uri: resourceUrl,
          version: '1',
          nonce,
          issuedAt: new Date(issuedAt).toISOString(),
          expirationTime: new Date(issuedAt + SIGN_IN_MAX_AGE_MS).toISOString(),
          statement: `Sign in to reuse your payment for ${plan.route} (valid ${Math.round(plan.accessMs! / 60_000)} min after paying)`,
          resources: [resourceUrl],
        },
        supportedChains: [...new Set(networks)].map((chainId) => ({ chainId, type: 'eip191' })),
        schema: buildSIWxSchema(),
      },
    };
  }

  /** Checks a `SIGN-IN-WITH-X` header: valid message for this origin, good signature, a nonce issued here and unused, and a paid receipt in the window. */
  async decide(header: string, plan: RoutePlan, resourceUrl: string): Promise<AccessDecision> {
    let payload;
    try {
      payload = parseSIWxHeader(header);
    } catch {
      return { granted: false, code: 'invalid_siwx_header', message: 'SIGN-IN-WITH-X must be base64 JSON of a CAIP-122 message' };
    }
    // Payments are EVM only: a sign-in on another chain (e.g. Solana) cannot match a payer.
    if (typeof payload.chainId !== 'string' || !/^eip155:[0-9]{1,20}$/.test(payload.chainId)) {
      return { granted: false, code: 'invalid_siwx_unsupported_chain', message: 'sign in with an EVM account (chainId eip155:<id>) that paid for this resource' };
    }
    const resource = new URL(resourceUrl);
    const validation = await validateSIWxMessage(payload, resource, { maxAge: SIGN_IN_MAX_AGE_MS });
    // The library's message quotes the client's domain and URI: kept only when short plain text.
    if (!validation.isValid) return { granted: false, code: validation.invalidReason, message: safeMessage(validation.invalidMessage, `the sign-in message does not fit this resource (${validation.invalidReason})`) };
    const verification = await verifySIWxSignature(payload).catch(
      () => ({ isValid: false, invalidReason: 'invalid_siwx_signature', invalidMessage: 'the sign-in signature is invalid' }) as const,
    );
    if (!verification.isValid) return { granted: false, code: verification.invalidReason, message: verification.invalidMessage };
    if (!isAddress(verification.payer, { strict: false })) {
      return { granted: false, code: 'invalid_siwx_signature', message: 'the sign-in does not name an EVM address' };
    }
    const payer = getAddress(verification.payer);
    // Only a nonce this server issued, unexpired and unused: a made-up nonce (a signature obtained outside
    // a 402 of ours) or a replay is refused before the ledger's receipts are read.
    const issued = typeof payload.nonce === 'string' && SIGN_IN_NONCE.test(payload.nonce) && (await ledgerCall(() => this.nonces.consume(payload.nonce, new Date())));
    if (!issued) return { granted: false, code: 'invalid_siwx_nonce', message: 'the sign-in nonce was not issued by this server, has expired or was already used; sign the one in a fresh 402' };
    const since = new Date(Date.now() - plan.accessMs!);
    const receipts = await ledgerCall(() => this.store.findReceipts({ payer, route: plan.route, state: 'settled', from: since, limit: 1000 }));
    // The same resource: path and query (a price may depend on the query), whatever host the payer used.
    const wanted = resource.pathname + resource.search;
    const paid = receipts.some((r) => URL.canParse(r.resourceUrl) && new URL(r.resourceUrl).pathname + new URL(r.resourceUrl).search === wanted);
    if (!paid) return { granted: false, code: 'no_paid_access', message: `no payment by ${payer} for this resource in its access window; pay to get access` };
    return { granted: true, payer };
  }
}
