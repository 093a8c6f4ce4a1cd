import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a payment reference vouches for: the quote of one 402 entry, for one resource. */
export interface ReferenceQuote {
  /** `METHOD /path/template` of the route, and the resource URL the quote is for. */
  route: string;
  resourceUrl: string;
  /** CAIP-2 network, token and recipient of the transfer. */
  network: string;
  asset: string;
  payTo: string;
  /** Atomic units, exactly. */
  amount: string;
  /** The chain head when quoted: the transfer must be mined in a later block. */
  minBlock: string;
  /** The reference cannot be bound to a transaction after this. */
  expiresAt: Date;
}

/** What a reference is checked against: the request it is presented with. */
export type ReferenceContext = Pick<ReferenceQuote, 'route' | 'resourceUrl' | 'network' | 'asset' | 'payTo'>;

/** What a reference carries in the clear (the rest is checked by its MAC against the request). */
export interface ReferenceFields {
  chainId: string;
  minBlock: string;
  expiresAt: Date;
  amount: string;
}

/** `<nonce>.<chain id>.<min block>.<expiry, unix s>.<amount>.<MAC>`: 90 characters at most for real amounts. */
const FORMAT = /^([0-9a-f]{24})\.([1-9][0-9]{0,18})\.(0|[1-9][0-9]{0,19})\.([1-9][0-9]{0,11})\.(0|[1-9][0-9]{0,39})\.([A-Za-z0-9_-]{22})$/;

/** Whether a string has the shape of a payment reference (says nothing about who issued it). */
export function isReferenceShaped(value: string): boolean {
  return FORMAT.test(value);
}

/** The clear fields of a reference-shaped string, or undefined. */
export function referenceFields(reference: string): ReferenceFields | undefined {
  const match = FORMAT.exec(reference);
  if (!match) return undefined;
  return { chainId: match[2], minBlock: match[3], expiresAt: new Date(Number(match[4]) * 1000), amount: match[5] };
}

const equal = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Stateless payment references: a 402 writes nothing. A reference is an HMAC (server secret) over its
 * quote (route, resource, network, token, recipient, exact amount, chain head, expiry), so the server
 * recognises its own quotes without storing them; a row is written only when a mined transfer is bound
 * to one. The same secret derives the access secret of a used reference (given to its payer only).
 *
 * @example
 * const refs = new ReferenceSigner(secret);
 * const reference = refs.issue(quote);
 * refs.check(reference, { ...quote }) // the clear fields, or undefined if forged or for another quote
 */
export class ReferenceSigner {
  constructor(private readonly secret: Buffer) {}

  issue(quote: ReferenceQuote): string {
    const expiry = Math.floor(quote.expiresAt.getTime() / 1000);
    const body = `${randomBytes(12).toString('hex')}.${chainIdOf(quote.network)}.${quote.minBlock}.${expiry}.${quote.amount}`;
    return `${body}.${this.mac(body, quote)}`;
  }

  /**
   * The clear fields of `reference` if this server issued it for this route, resource, network,
   * token and recipient (its amount, chain head and expiry are then the quoted ones); else undefined.
   */
  check(reference: string, context: ReferenceContext): ReferenceFields | undefined {
    const fields = referenceFields(reference);
    if (!fields || fields.chainId !== chainIdOf(context.network)) return undefined;
    const cut = reference.lastIndexOf('.');
    const expected = this.mac(reference.slice(0, cut), context);
    return equal(reference.slice(cut + 1), expected) ? fields : undefined;
  }

  /** The secret that reopens a used reference within its access window: only its payer is given it. */
  accessSecret(reference: string, transaction: string): string {
    return createHmac('sha256', this.secret).update(JSON.stringify(['x402-proof-access-v1', reference, transaction.toLowerCase()])).digest('base64url').slice(0, 32);
  }

  /** Whether `given` is the access secret of this reference and transaction (constant time). */
  isAccessSecret(given: string | undefined, reference: string, transaction: string): boolean {
    return typeof given === 'string' && equal(given, this.accessSecret(reference, transaction));
  }

  private mac(body: string, context: ReferenceContext): string {
    const fields = ['x402-proof-reference-v1', body, context.route, context.resourceUrl, context.network, context.asset.toLowerCase(), context.payTo.toLowerCase()];
    return createHmac('sha256', this.secret).update(JSON.stringify(fields)).digest('base64url').slice(0, 22);
  }
}

function chainIdOf(network: string): string {
  return network.slice(network.indexOf(':') + 1);
}
