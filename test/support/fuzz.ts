/**
 * Seeded generators of hostile payment headers. Every case is derived from the seed and its index
 * only, so a failure is replayed with `X402_FUZZ_SEED=<seed>` and reported with its index.
 *
 * A case built from a real signed payment is always made invalid for sure: its signature is
 * corrupted, or exactly one signed or matched field is changed to a different value (never an
 * equivalent spelling such as `010000` for `10000`, which would still be a valid payment).
 */

/** mulberry32: small, fast, good enough to pick cases. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Rng {
  next(): number;
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export function rng(seed: number): Rng {
  const next = prng(seed);
  return {
    next,
    int: (max) => Math.floor(next() * max),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
  };
}

/** One request to make: its header(s) (an array sends the header twice) and what generated it. */
export interface FuzzCase {
  /** The generator that made it. */
  generator: string;
  /** What exactly it tried, e.g. `wrong type at payload.authorization.value`. */
  kind: string;
  headers: Record<string, string | string[]>;
  /** Another path than the run's route to send it to (an access route, for sign-in cases). */
  path?: string;
}

/** A real signed payment, as JSON: `v2` for PAYMENT-SIGNATURE, `v1` for X-PAYMENT. */
export interface Template {
  v2: Record<string, any>;
  v1: Record<string, any>;
  /** A payment that was settled (served once): only the forged-replay generator uses it, and never sends it intact. */
  settled?: boolean;
  /** The idempotency id it was paid with (settled ones). */
  idempotencyKey?: string;
  /** A valid signature of the same authorization by another account (settled ones): a signature, just not the payer's. */
  foreignSignature?: string;
}

/** Signed sign-in headers (`sign-in-with-x`, each on a nonce the server issued) of a payer, for a resource it paid. */
export interface SignInTemplate {
  /** The SIGN-IN-WITH-X header. */
  header: string;
  /** The host the message was signed for. */
  domain: string;
}

/** What the generators draw from besides the payment templates. */
export interface FuzzPools {
  signIns: readonly SignInTemplate[];
  /** A path of the access route that the sign-ins' payer did not pay (never legitimately served). */
  unpaidPaths: readonly string[];
  /** The path it did pay (smuggled into Host and X-Forwarded-Host). */
  paidPath: string;
}

const HEADER_NAMES = ['PAYMENT-SIGNATURE', 'X-PAYMENT'] as const;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));

/** Characters a header value may carry on the wire (no controls): visible ASCII, space, tab and obs-text. */
function headerSafeText(r: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    const roll = r.next();
    out += String.fromCharCode(roll < 0.7 ? 0x20 + r.int(0x5f) : roll < 0.95 ? 0x80 + r.int(0x80) : 0x09);
  }
  return out;
}

const UNICODE = ['é', 'ß', '日本', '💸', '\u202e', '\u0000', '\ufeff', 'ﬁ', '𝔁𝟰𝟬𝟮', 'Ω'];

function junkValue(r: Rng, depth = 0): unknown {
  const roll = r.int(depth > 3 ? 6 : 9);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MIN_VALUE, 2, 1]);
    case 3:
      return r.pick(['', '0x', '0'.repeat(200), '1e999', 'NaN', '-1', '__proto__', 'constructor']);
    case 4:
      return Array.from({ length: 1 + r.int(6) }, () => r.pick(UNICODE)).join('');
    case 5:
      return '9'.repeat(1 + r.int(120));
    case 6:
      return Array.from({ length: r.int(4) }, () => junkValue(r, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(['a', 'x402Version', 'payload', '__proto__', 'accepted', '💸']), junkValue(r, depth + 1)]));
  }
}

/** A value of another JSON type than `value` (or of the same type but absurd). */
function wrongTyped(r: Rng, value: unknown): unknown {
  const candidates: unknown[] = [null, true, 0, -1, 1e308, '', 'x', '9'.repeat(100), [], [value], {}, { value }, r.pick(UNICODE)];
  const different = candidates.filter((c) => typeof c !== typeof value || Array.isArray(c) !== Array.isArray(value) || (c === null) !== (value === null));
  return r.pick(different.length ? different : candidates);
}

/** Every path into an object (objects, arrays and leaves), for mutation. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (!value || typeof value !== 'object') return [prefix];
  const children = Object.entries(value).flatMap(([key, child]) => paths(child, [...prefix, Array.isArray(value) ? Number(key) : key]));
  return [prefix, ...children].filter((p) => p.length > 0);
}

function setAt(root: any, path: Array<string | number>, value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]] = value;
}

function deleteAt(root: any, path: Array<string | number>): void {
  let node = root;
  for (const key of path.slice(0, -1)) node = node[key];
  delete node[path[path.length - 1]];
}

const HEX = '0123456789abcdef';
/** Changes one hex digit (after `0x`) to a different digit: a different value, not another spelling. */
function flipHex(r: Rng, hex: string): string {
  const i = 2 + r.int(hex.length - 2);
  const current = hex[i].toLowerCase();
  const replacement = HEX.replace(current, '')[r.int(15)];
  return hex.slice(0, i) + replacement + hex.slice(i + 1);
}

function corruptSignature(r: Rng, payment: Record<string, any>): void {
  // the r part of the signature (bytes 0..31): never equivalent, never a valid signature of the same message
  const sig: string = payment.payload.signature;
  const i = 2 + r.int(64);
  payment.payload.signature = sig.slice(0, i) + HEX.replace(sig[i].toLowerCase(), '')[r.int(15)] + sig.slice(i + 1);
}

/** Nested arrays or objects, kept under ~9 KB of JSON so the request stays within Node's 16 KiB of headers. */
function nested(r: Rng): { value: unknown; depth: number } {
  const arrays = r.chance(0.5);
  const depth = 50 + r.int(arrays ? 4000 : 1400);
  const [open, close] = arrays ? ['[', ']'] : ['{"a":', '}'];
  return { value: JSON.parse(open.repeat(depth) + '1' + close.repeat(depth)), depth };
}

type Generator = (r: Rng, template: Template, pools: FuzzPools) => Omit<FuzzCase, 'generator'>;

const base = (r: Rng, t: Template) => {
  const name = r.pick(HEADER_NAMES);
  return { name, payment: clone(name === 'X-PAYMENT' ? t.v1 : t.v2) };
};

const GENERATORS: Record<string, Generator> = {
  'random bytes': (r) => ({ kind: 'random bytes', headers: { [r.pick(HEADER_NAMES)]: headerSafeText(r, r.int(3000)) } }),
  'truncated base64': (r, t) => {
    const { name, payment } = base(r, t);
    // without its padding, base64 still decodes: cut at least 4 characters (3 bytes) so the JSON is incomplete
    const full = b64(JSON.stringify(payment)).replace(/=+$/, '');
    return { kind: 'truncated base64', headers: { [name]: full.slice(0, r.int(full.length - 4)) + (r.chance(0.3) ? '=' : '') } };
  },
  'base64 of junk JSON': (r) => ({ kind: 'base64 of junk JSON', headers: { [r.pick(HEADER_NAMES)]: b64(JSON.stringify(junkValue(r))) } }),
  'base64 of non-JSON': (r) => ({ kind: 'base64 of non-JSON', headers: { [r.pick(HEADER_NAMES)]: Buffer.from(headerSafeText(r, 1 + r.int(400)), 'latin1').toString('base64') } }),
  'deep nesting': (r, t) => {
    const { name, payment } = base(r, t);
    corruptSignature(r, payment);
    const where = r.pick(['root', 'payload', 'extensions', 'resource', 'authorization', 'accepted.extra']);
    const { value: deep, depth } = nested(r);
    const doc: any = where === 'root' ? deep : payment;
    if (where === 'payload') payment.payload = deep;
    if (where === 'extensions') payment.extensions = { 'payment-identifier': deep };
    if (where === 'resource') payment.resource = deep;
    if (where === 'authorization') payment.payload.authorization = deep;
    if (where === 'accepted.extra' && payment.accepted) payment.accepted.extra = deep;
    return { kind: `deep nesting (${where}, ${depth})`, headers: { [name]: b64(JSON.stringify(doc)) } };
  },
  'huge numbers': (r, t) => {
    const { name, payment } = base(r, t);
    corruptSignature(r, payment);
    const field = r.pick(['x402Version', 'value', 'validBefore', 'validAfter', 'maxTimeoutSeconds', 'amount']);
    const huge = r.pick<unknown>([1e308, -1e308, 2 ** 64, 1e21, 2.0000000001, -2, '9'.repeat(78), '9'.repeat(79), '1e999', '0x' + 'f'.repeat(64), -0]);
    if (field === 'x402Version') payment.x402Version = huge;
    else if (field === 'maxTimeoutSeconds' || field === 'amount') {
      if (payment.accepted) payment.accepted[field] = huge;
      else payment.payload.authorization.value = huge;
    } else payment.payload.authorization[field] = huge;
    return { kind: `huge number in ${field}`, headers: { [name]: b64(JSON.stringify(payment)) } };
  },
  'wrong type': (r, t) => {
    const { name, payment } = base(r, t);
    const path = r.pick(paths(payment));
    let current: any = payment;
    for (const key of path) current = current?.[key];
    if (r.chance(0.15)) deleteAt(payment, path);
    else setAt(payment, path, wrongTyped(r, current));
    if (payment.payload?.signature && typeof payment.payload.signature === 'string' && /^0x[0-9a-f]{130}$/i.test(payment.payload.signature)) corruptSignature(r, payment);
    return { kind: `wrong type at ${path.join('.')}`, headers: { [name]: b64(JSON.stringify(payment)) } };
  },
  'tampered field': (r, t) => {
    const { name, payment } = base(r, t);
    const auth = payment.payload.authorization;
    const field = r.pick(['signature', 'from', 'to', 'value', 'validAfter', 'validBefore', 'nonce', 'network', 'scheme', 'asset', 'payTo', 'amount', 'extra.name']);
    const bump = (text: string) => (BigInt(text) + BigInt(1 + r.int(1000)) * (r.chance(0.5) || BigInt(text) < 1001n ? 1n : -1n)).toString();
    switch (field) {
      case 'signature':
        corruptSignature(r, payment);
        break;
      case 'from':
      case 'to':
      case 'nonce':
        auth[field] = flipHex(r, auth[field]);
        break;
      case 'value':
      case 'validAfter':
      case 'validBefore':
        auth[field] = bump(auth[field]);
        break;
      default: {
        const target = payment.accepted ?? payment;
        if (field === 'extra.name') {
          if (!target.extra) corruptSignature(r, payment);
          else target.extra.name = `${target.extra.name}${r.pick(UNICODE)}`;
        } else if (field === 'asset' || field === 'payTo') {
          if (target[field]) target[field] = flipHex(r, target[field]);
          else corruptSignature(r, payment);
        } else if (field === 'amount') {
          if (target.amount) target.amount = bump(target.amount);
          else corruptSignature(r, payment);
        } else target[field] = r.pick(field === 'network' ? ['base', 'eip155:8453', 'eip155:1', 'solana:devnet', 'base-sepolia ', 'BASE-SEPOLIA'] : ['upto', 'EXACT', 'exact ', '']);
      }
    }
    return { kind: `tampered ${field}`, headers: { [name]: b64(JSON.stringify(payment)) } };
  },
  oversized: (r, t) => {
    const { name, payment } = base(r, t);
    corruptSignature(r, payment);
    payment.padding = 'A'.repeat(5600 + r.int(3500)); // over the 8 KiB limit, under Node's 16 KiB for all headers
    return { kind: 'oversized', headers: { [name]: b64(JSON.stringify(payment)) } };
  },
  'duplicated header': (r, t) => {
    const { name, payment } = base(r, t);
    corruptSignature(r, payment);
    const value = b64(JSON.stringify(payment));
    return r.chance(0.5)
      ? { kind: 'duplicated header', headers: { [name]: [value, value] } }
      : { kind: 'both header names', headers: { 'PAYMENT-SIGNATURE': b64(JSON.stringify(t.v2)), 'X-PAYMENT': b64(JSON.stringify(t.v1)) } };
  },
  unicode: (r, t) => {
    const { name, payment } = base(r, t);
    corruptSignature(r, payment);
    const text = Array.from({ length: 1 + r.int(8) }, () => r.pick(UNICODE)).join('');
    if (r.chance(0.5)) {
      // raw UTF-8 bytes in the header value (as Node sends them: latin1)
      const bytes = Buffer.from(text.replace(/\u0000/g, '') + b64(JSON.stringify(payment)), 'utf8').toString('latin1');
      return { kind: 'unicode bytes in the header', headers: { [name]: bytes } };
    }
    const path = r.pick(paths(payment));
    setAt(payment, path, text);
    return { kind: `unicode at ${path.join('.')}`, headers: { [name]: b64(JSON.stringify(payment)) } };
  },
};

/** Hosts as a client may name them, and what an attacker appends to smuggle a path, a query or another host into URLs. */
const HOSTS = ['127.0.0.1', 'localhost', 'api.example.com', '[::1]'];
const HOST_SMUGGLING = ['/reports/heat-2026?', '/x#', '?a=1', '@evil.example', ' evil', '%2fadmin', '\\evil.example', ':99999', ':0', ':-1', '/../admin', ';x', ',evil.example', '\t', 'http://evil.example/', '%00', '💸'];
const PROTOS = ['javascript', 'https, http', 'HTTPS', 'ftp', 'https:', 'http://evil.example', ''];

/** Host, X-Forwarded-Host and X-Forwarded-Proto carrying path characters, other hosts or junk (with or without a spoiled payment). */
function smuggledHost(r: Rng, t: Template): Omit<FuzzCase, 'generator'> {
  const headers: Record<string, string> = {};
  const where = r.pick(['Host', 'X-Forwarded-Host', 'X-Forwarded-Proto', 'all']);
  const host = () => {
    const value = r.pick(HOSTS) + r.pick(HOST_SMUGGLING) + (r.chance(0.3) ? r.pick(HOST_SMUGGLING) : '');
    // raw UTF-8 bytes as Node sends them (latin1), never a control character Node refuses to send
    return Buffer.from(value.replace(/\u0000/g, ''), 'utf8').toString('latin1');
  };
  if (where === 'Host' || where === 'all') headers.Host = host();
  if (where === 'X-Forwarded-Host' || where === 'all') headers['X-Forwarded-Host'] = host();
  if (where === 'X-Forwarded-Proto' || where === 'all') headers['X-Forwarded-Proto'] = r.pick(PROTOS);
  if (r.chance(0.5)) {
    const { name, payment } = base(r, t);
    corruptSignature(r, payment);
    headers[name] = b64(JSON.stringify(payment));
  }
  return { kind: `smuggled ${where}: ${JSON.stringify(headers.Host ?? headers['X-Forwarded-Host'] ?? headers['X-Forwarded-Proto'])}`, headers };
}
GENERATORS['smuggled host'] = smuggledHost;

/**
 * A settled payment presented again without its payer's signature: the signature corrupted, random, empty, or a
 * valid one by another account; as v2 or v1, with or without the original idempotency id. Never paid content.
 */
function forgedReplay(r: Rng, t: Template): Omit<FuzzCase, 'generator'> {
  const payment = clone(t.v2);
  const how = r.pick(['corrupted', 'random', 'empty', 'foreign', 'foreign + tampered value']);
  if (how === 'corrupted') corruptSignature(r, payment);
  if (how === 'random') payment.payload.signature = '0x' + Array.from({ length: 130 }, () => HEX[r.int(16)]).join('');
  if (how === 'empty') payment.payload.signature = r.pick(['0x', '', '0x00']);
  if (how.startsWith('foreign')) payment.payload.signature = t.foreignSignature;
  if (how === 'foreign + tampered value') payment.payload.authorization.value = String(BigInt(payment.payload.authorization.value) + 1n);
  const v1 = r.chance(0.3);
  const doc = v1 ? { x402Version: 1, scheme: 'exact', network: 'base-sepolia', payload: payment.payload } : payment;
  const headers: Record<string, string> = { [v1 ? 'X-PAYMENT' : 'PAYMENT-SIGNATURE']: b64(JSON.stringify(doc)) };
  const withId = t.idempotencyKey && r.chance(0.6);
  if (withId) headers['Idempotency-Key'] = t.idempotencyKey!;
  return { kind: `forged replay (${how} signature, ${v1 ? 'v1' : 'v2'}${withId ? ', original idempotency id' : ''})`, headers };
}
GENERATORS['forged replay'] = forgedReplay;

/**
 * A payer's real sign-in (for the resource it paid) sent to a resource it did not pay, with the paid path, another
 * host or junk smuggled into Host / X-Forwarded-Host (path characters included), or its domain forwarded.
 */
function smuggledSignIn(r: Rng, _t: Template, pools: FuzzPools): Omit<FuzzCase, 'generator'> {
  const signIn = r.pick(pools.signIns);
  const headers: Record<string, string> = { 'SIGN-IN-WITH-X': signIn.header };
  const host = r.pick([signIn.domain, ...HOSTS]);
  const smuggle = () => {
    const value = host + r.pick([pools.paidPath + '?', pools.paidPath + '#', pools.paidPath, '/' + pools.paidPath.split('/').pop(), ...HOST_SMUGGLING]);
    return Buffer.from(value.replace(/\u0000/g, ''), 'utf8').toString('latin1');
  };
  const where = r.pick(['Host', 'X-Forwarded-Host', 'both', 'forwarded domain']);
  if (where === 'Host' || where === 'both') headers.Host = smuggle();
  if (where === 'X-Forwarded-Host' || where === 'both') headers['X-Forwarded-Host'] = smuggle();
  if (where === 'forwarded domain') headers['X-Forwarded-Host'] = r.pick(['evil.example', signIn.domain, `${signIn.domain}${pools.paidPath}?`]);
  if (r.chance(0.2)) headers['X-Forwarded-Proto'] = r.pick(PROTOS);
  const path = r.pick(pools.unpaidPaths) + (r.chance(0.2) ? r.pick(['?', '?x=1', '#']) : '');
  return { kind: `smuggled sign-in to ${path} (${where}: ${JSON.stringify(headers.Host ?? headers['X-Forwarded-Host'] ?? '')})`, headers, path };
}
GENERATORS['smuggled sign-in'] = smuggledSignIn;

export const GENERATOR_NAMES = Object.keys(GENERATORS);

/**
 * Case `index` of the run with this seed. Settled templates go to the forged-replay generator only (any other
 * generator may send its template intact, which for a settled payment is a legitimate replay).
 */
export function fuzzCase(seed: number, index: number, templates: readonly Template[], pools: FuzzPools = { signIns: [], unpaidPaths: [], paidPath: '/' }): FuzzCase {
  const r = rng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const names = pools.signIns.length > 0 ? GENERATOR_NAMES : GENERATOR_NAMES.filter((n) => n !== 'smuggled sign-in');
  const generator = r.pick(names);
  const pool = templates.filter((t) => Boolean(t.settled) === (generator === 'forged replay'));
  return { generator, ...GENERATORS[generator](r, r.pick(pool.length > 0 ? pool : templates), pools) };
}
