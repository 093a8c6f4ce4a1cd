import { Logger } from '@nestjs/common';
import { HTTPFacilitatorClient, type FacilitatorClient, type FacilitatorConfig } from '@x402/core/server';
import type { PaymentPayload, PaymentRequirements, SettleResponse, SupportedResponse, VerifyResponse } from '@x402/core/types';
import { logSafe, redactUrl } from '../logging/log-safe.js';
import { DEFAULT_MAX_FACILITATOR_RESPONSE_BYTES, settleCall, supportedCall, verifyCall, type FacilitatorCall } from './facilitator-http.js';

/** Default lifetime of a cached `/supported` answer: 5 minutes. */
export const DEFAULT_SUPPORTED_CACHE_TTL_MS = 5 * 60_000;

export interface RemoteFacilitatorOptions {
  /** Base URL, e.g. `https://facilitator.example.com`. */
  url: string;
  /** Per-request timeout (ms). */
  timeoutMs: number;
  /** Authentication headers per facilitator path (`verify`, `settle`, `supported`). */
  createAuthHeaders?: FacilitatorConfig['createAuthHeaders'];
  /** How long a `/supported` answer is reused (ms). */
  supportedCacheTtlMs?: number;
  /** Largest verify or settle answer read (default 64 KiB; `/supported` gets at least 1 MiB): past it, `502 facilitator_response_too_large`. */
  maxResponseBytes?: number;
}

/** Hosts for which a plain `http://` facilitator URL is expected (a facilitator on the same machine). */
const LOCAL_HOST = /^(localhost|127(?:\.[0-9]{1,3}){3}|\[::1\])$/i;

/**
 * A facilitator service over HTTP, speaking the protocol of `@x402/core`'s `HTTPFacilitatorClient` (whose
 * `createAuthHeaders` it uses), plus: answers read within a size limit (streamed, aborted past it), reasons
 * and messages bounded and escaped before anything else sees them, a `/supported` cache with a time to live
 * (one request per TTL, however many callers ask; the last good answer is kept while the service is
 * unreachable), and a facilitator's own failure (HTTP 5xx, or an error status without a protocol body)
 * reported as a `FacilitatorResponseError` (502), distinct from an unreachable service (503). A plain
 * `http://` URL to another host is warned about once, at construction: its answers can be forged on the way.
 *
 * @example
 * const facilitator = new RemoteFacilitatorClient({ url: 'https://facilitator.example.com', timeoutMs: 10_000 });
 */
export class RemoteFacilitatorClient implements FacilitatorClient {
  private readonly logger = new Logger('X402');
  private readonly http: HTTPFacilitatorClient;
  private readonly ttlMs: number;
  private readonly maxBytes: number;
  private cached?: { value: SupportedResponse; at: number };
  private fetching?: Promise<SupportedResponse>;

  constructor(readonly options: RemoteFacilitatorOptions) {
    this.http = new HTTPFacilitatorClient({ url: options.url, timeoutMs: options.timeoutMs, createAuthHeaders: options.createAuthHeaders });
    this.ttlMs = options.supportedCacheTtlMs ?? DEFAULT_SUPPORTED_CACHE_TTL_MS;
    this.maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_FACILITATOR_RESPONSE_BYTES;
    const url = URL.canParse(options.url) ? new URL(options.url) : undefined;
    if (url?.protocol === 'http:' && !LOCAL_HOST.test(url.hostname)) {
      this.logger.warn(`the facilitator URL ${redactUrl(options.url)} is plain http: its verify and settle answers can be read and forged on the way; use https`);
    }
  }

  async verify(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<VerifyResponse> {
    return verifyCall(await this.call('verify', { x402Version: paymentPayload.x402Version, paymentPayload, paymentRequirements }));
  }

  async settle(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<SettleResponse> {
    return settleCall(await this.call('settle', { x402Version: paymentPayload.x402Version, paymentPayload, paymentRequirements }));
  }

  private async call(operation: FacilitatorCall['operation'], body?: unknown): Promise<FacilitatorCall> {
    const { headers } = await this.http.createAuthHeaders(operation);
    return { url: this.options.url.replace(/\/+$/, ''), operation, headers, body, timeoutMs: this.options.timeoutMs, maxBytes: this.maxBytes };
  }

  /** The facilitator's supported kinds, from the cache while it is younger than the TTL. */
  async getSupported(): Promise<SupportedResponse> {
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached.value;
    return this.refreshSupported();
  }

  /** Asks the facilitator for its supported kinds now (one request for concurrent callers); keeps the last answer if it fails. */
  refreshSupported(): Promise<SupportedResponse> {
    this.fetching ??= this.call('supported')
      .then(supportedCall)
      .then((value) => {
        this.cached = { value, at: Date.now() };
        return value;
      })
      .catch((error: Error) => {
        if (!this.cached) throw error;
        this.logger.warn(`facilitator /supported failed (${logSafe(error)}); keeping the last answer`);
        return this.cached.value;
      })
      .finally(() => {
        this.fetching = undefined;
      });
    return this.fetching;
  }
}
