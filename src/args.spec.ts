import { parseCommandLine, type PayArgs } from './args.js';
import { DEMO_BUYER_ADDRESS, DEMO_BUYER_KEY, resolveBuyer } from './buyer.js';
import { UsageError } from './errors.js';
import { planRequest } from './request.js';

const URL_ = 'http://localhost:3000/paid';
const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';

function usageError(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('parses a full pay command', () => {
    const args = parseCommandLine(['pay', URL_, '--key', KEY, '--method', 'put', '--data', '{"a":1}', '--header', 'X-A: 1', '-H', 'X-B:2', '--max', '0.05', '--rpc', 'http://127.0.0.1:8545', '--json']) as PayArgs;
    expect(args).toMatchObject({
      command: 'pay',
      key: KEY,
      method: 'PUT',
      data: '{"a":1}',
      headers: [['X-A', '1'], ['X-B', '2']],
      max: { units: 5n, scale: 2 },
      json: true,
    });
    expect(args.url.href).toBe(URL_);
    expect(args.rpc?.href).toBe('http://127.0.0.1:8545/');
  });

  it('defaults --max to 1.00 and --json to false', () => {
    expect(parseCommandLine(['pay', URL_])).toMatchObject({ max: { units: 100n, scale: 2 }, json: false, headers: [] });
  });

  it.each([[['help']], [['--help']], [['pay', '--help']], [['pay', URL_, '-h', '--bogus']]])('recognises help: %p', (argv) => {
    expect(parseCommandLine(argv)).toEqual({ command: 'help' });
  });

  it.each([
    [['pay', URL_, '--bogus'], /unknown option --bogus/],
    [['pay', URL_, '-z'], /unknown option -z/],
    [['pay', URL_, '--key'], /option --key needs a value/],
    [['pay', URL_, '--max', '-1'], /option --max needs a value/],
    [['pay', URL_, '--json=yes'], /option --json does not take a value/],
    [['pay', URL_, '--max', 'ten'], /option --max expects a USD amount/],
    [['pay', URL_, '--max', '1e3'], /option --max/],
    [['pay', URL_, '--method', 'GE T'], /option --method/],
    [['pay', URL_, '--header', 'no colon'], /option --header expects 'Name: value'/],
    [['pay', URL_, '--header', 'Bad Name: x'], /option --header/],
    [['pay', URL_, '--rpc', 'not a url'], /--rpc: "not a url" is not a valid URL/],
    [['pay', URL_, '--rpc', 'ftp://x'], /--rpc: .* must be an http/],
    [['pay', URL_, '--method', 'GET', '--data', '{}'], /option --data cannot be used with --method GET/],
    [['requirements', URL_, '--key', KEY], /option --key is not valid for "x402 requirements"/],
    [['requirements', URL_, '--max', '1'], /option --max is not valid/],
    [['pay', 'localhost:3000/paid'], /<url>: .* must be an http/],
    [['pay', 'not a url'], /<url>: "not a url" is not a valid URL/],
    [['pay'], /missing <url>/],
    [['pay', URL_, 'extra'], /unexpected argument "extra"/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [[], /missing command/],
  ])('%p -> usage error naming the culprit', (argv, expected) => {
    expect(usageError(argv)).toMatch(expected);
  });

  it('never echoes a private key in a usage error', () => {
    expect(usageError(['pay', URL_, KEY])).not.toContain(KEY.slice(2));
    expect(usageError(['pay', URL_, '--bogus-' + KEY.slice(2)])).not.toContain(KEY.slice(2));
    expect(usageError(['pay', URL_, '--max', KEY])).not.toContain(KEY.slice(2));
  });
});

describe('resolveBuyer', () => {
  const other = '0x' + '11'.repeat(32);

  it('prefers --key, then X402_PRIVATE_KEY, then the demo buyer', () => {
    expect(resolveBuyer(other, { X402_PRIVATE_KEY: KEY }).source).toBe('option');
    expect(resolveBuyer(undefined, { X402_PRIVATE_KEY: other })).toMatchObject({ source: 'env' });
    const demo = resolveBuyer(undefined, {});
    expect(demo.source).toBe('demo');
    expect(demo.account.address).toBe(DEMO_BUYER_ADDRESS);
    expect(resolveBuyer(DEMO_BUYER_KEY.slice(2), {}).account.address).toBe(DEMO_BUYER_ADDRESS);
  });

  it.each([
    ['0x1234', {}, /option --key must be a private key/],
    [undefined, { X402_PRIVATE_KEY: 'nope' }, /environment variable X402_PRIVATE_KEY must be a private key/],
    ['0x' + '00'.repeat(32), {}, /option --key is not a valid secp256k1 private key/],
  ] as Array<[string | undefined, Record<string, string>, RegExp]>)('rejects a bad key (%p) without printing it', (key, env, expected) => {
    expect(() => resolveBuyer(key, env)).toThrow(expected);
    try {
      resolveBuyer(key, env);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      for (const secret of [key, env.X402_PRIVATE_KEY].filter(Boolean) as string[]) {
        expect((error as Error).message).not.toContain(secret);
      }
    }
  });
});

describe('planRequest', () => {
  const base = { url: new URL(URL_), headers: [] as Array<[string, string]>, json: false };

  it('sends inline JSON with POST and content-type application/json', async () => {
    const plan = await planRequest({ ...base, data: '{"a":1}' });
    expect(plan).toMatchObject({ method: 'POST', body: '{"a":1}' });
    expect(plan.headers.get('content-type')).toBe('application/json');
  });

  it('keeps an explicit method and content-type', async () => {
    const plan = await planRequest({ ...base, method: 'PUT', data: '[1]', headers: [['Content-Type', 'application/vnd.api+json']] });
    expect(plan.method).toBe('PUT');
    expect(plan.headers.get('content-type')).toBe('application/vnd.api+json');
  });

  it('reads @file as is and marks it JSON only when it is', async () => {
    const files: Record<string, string> = { 'body.json': '{"b":2}', 'body.txt': 'hello' };
    const read = async (path: string) => {
      if (!(path in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return files[path];
    };
    const json = await planRequest({ ...base, data: '@body.json' }, read);
    expect(json.body).toBe('{"b":2}');
    expect(json.headers.get('content-type')).toBe('application/json');
    const text = await planRequest({ ...base, data: '@body.txt' }, read);
    expect(text.body).toBe('hello');
    expect(text.headers.has('content-type')).toBe(false);
    await expect(planRequest({ ...base, data: '@missing' }, read)).rejects.toThrow(/option --data: cannot read file "missing" \(ENOENT\)/);
  });

  it('rejects inline data that is not JSON', async () => {
    await expect(planRequest({ ...base, data: '{oops' })).rejects.toThrow(/option --data: not valid JSON/);
  });

  it('defaults to GET without data', async () => {
    expect((await planRequest(base)).method).toBe('GET');
  });
});
