import { startDevnet, type Devnet } from './devnet.js';
import { startFacilitatorServer, type FacilitatorServer } from './facilitator-server.js';

describe('startFacilitatorServer', () => {
  let devnet: Devnet;
  let server: FacilitatorServer;

  beforeAll(async () => {
    devnet = await startDevnet({ chainId: 84532 });
    server = await startFacilitatorServer({ rpcUrl: devnet.rpcUrl, chainId: devnet.chainId, privateKey: devnet.accounts.facilitator.privateKey, authorization: 'Bearer k' });
  });
  afterAll(async () => {
    await server?.close();
    await devnet?.stop();
  });

  const call = (path: string, init: RequestInit = {}, authorization = 'Bearer k') =>
    fetch(`${server.url}${path}`, { ...init, headers: { authorization, 'content-type': 'application/json', ...init.headers } });

  it('lists the exact scheme for the chain, as v2 (CAIP-2) and v1 (its v1 name)', async () => {
    const res = await call('/supported');
    expect(res.status).toBe(200);
    const supported = await res.json();
    expect(supported.kinds).toEqual(
      expect.arrayContaining([
        { x402Version: 2, scheme: 'exact', network: 'eip155:84532' },
        { x402Version: 1, scheme: 'exact', network: 'base-sepolia' },
      ]),
    );
    expect(supported.signers['eip155:*']).toEqual([devnet.accounts.facilitator.address]);
    expect(server.v1Network).toBe('base-sepolia');
  });

  it('demands its Authorization header, and counts every request', async () => {
    const before = server.requests.supported;
    expect((await call('/supported', {}, 'Bearer wrong')).status).toBe(401);
    expect(server.requests.supported).toBe(before + 1);
  });

  it('answers a malformed request with 400 in the protocol shape, and unknown paths with 404', async () => {
    const verify = await call('/verify', { method: 'POST', body: '{"paymentPayload":1}' });
    expect([verify.status, await verify.json()]).toEqual([400, expect.objectContaining({ isValid: false, invalidReason: 'invalid_request' })]);
    const settle = await call('/settle', { method: 'POST', body: 'not json' });
    expect([settle.status, await settle.json()]).toEqual([400, expect.objectContaining({ success: false, errorReason: 'invalid_request' })]);
    expect((await call('/verify')).status).toBe(405);
    expect((await call('/nope')).status).toBe(404);
  });
});
