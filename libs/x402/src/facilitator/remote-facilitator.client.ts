import { Logger } from '@nestjs/common';
import { HTTPFacilitatorClient, type FacilitatorClient, type FacilitatorConfig } from '@x402/core/server';
import { FacilitatorResponseError, type PaymentPayload, type PaymentRequirements, type SettleResponse, type SupportedResponse, type VerifyResponse } from '@x402/core/types';
import { logSafe } from '../logging/log-safe.js';

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
}

/** `HTTPFacilitatorClient` throws a plain Error for a non-2xx answer without a protocol body. */
const HTTP_FAILURE = /^Facilitator (verify|settle) failed \((\d{3})\)/;

/**
 * A facilitator service over HTTP: `@x402/core`'s `HTTPFacilitatorClient`, plus a `/supported`
 * cache with a time to live (one request per TTL, however many callers ask; the last good answer
 * is kept while the service is unreachable), and a facilitator's own failure (HTTP 5xx, or an error
 * status without a protocol body) reported as a `FacilitatorResponseError` (502), distinct from an
 * unreachable service (503).
 *
 * @example
 * const facilitator = new RemoteFacilitatorClient({ url: 'https://facilitator.example.com', timeoutMs: 10_000 });
 */
export class RemoteFacilitatorClient implements FacilitatorClient {
  private readonly logger = new Logger('X402');
  private readonly http: HTTPFacilitatorClient;
  private readonly ttlMs: number;
  private cached?: { value: SupportedResponse; at: number };
  private fetching?: Promise<SupportedResponse>;

  constructor(readonly options: RemoteFacilitatorOptions) {
    this.http = new HTTPFacilitatorClient({ url: options.url, timeoutMs: options.timeoutMs, createAuthHeaders: options.createAuthHeaders });
    this.ttlMs = options.supportedCacheTtlMs ?? DEFAULT_SUPPORTED_CACHE_TTL_MS;
  }

  verify(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<VerifyResponse> {
    return this.http.verify(paymentPayload, paymentRequirements).catch(classify);
  }

  settle(paymentPayload: PaymentPayload, paymentRequirements: PaymentRequirements): Promise<SettleResponse> {
    return this.http.settle(paymentPayload, paymentRequirements).catch(classify);
  }

  /** The facilitator's supported kinds, from the cache while it is younger than the TTL. */
  async getSupported(): Promise<SupportedResponse> {
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached.value;
    return this.refreshSupported();
  }

  /** Asks the facilitator for its supported kinds now (one request for concurrent callers); keeps the last answer if it fails. */
  refreshSupported(): Promise<SupportedResponse> {
    this.fetching ??= this.http
      .getSupported()
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

function classify(error: unknown): never {
  const match = error instanceof Error && error.constructor === Error ? HTTP_FAILURE.exec(error.message) : null;
  if (match) throw new FacilitatorResponseError(error instanceof Error ? error.message : String(error));
  throw error;
}
