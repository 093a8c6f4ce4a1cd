import type { ResponseSnapshot } from '../../ledger/payment-store.interface.js';

/**
 * Captures a handler's result for replay, or `undefined` if it cannot be replayed faithfully
 * (streams, buffers) or is larger than `maxBytes` of JSON.
 */
export function snapshotOf(body: unknown, status: number, headers: Record<string, string>, maxBytes: number): ResponseSnapshot | undefined {
  if (typeof body === 'string') {
    return Buffer.byteLength(body) <= maxBytes ? { status, headers, body, kind: 'text' } : undefined;
  }
  if (body !== undefined && body !== null && typeof body === 'object') {
    if (Buffer.isBuffer(body) || ArrayBuffer.isView(body) || typeof (body as { pipe?: unknown }).pipe === 'function') return undefined;
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(body ?? null);
  } catch {
    return undefined;
  }
  if (json === undefined || Buffer.byteLength(json) > maxBytes) return undefined;
  return { status, headers, body: JSON.parse(json), kind: 'json' };
}
