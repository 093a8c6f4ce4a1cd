import { resolveX402Config } from '../config/x402.config.js';
import { quotePrice } from '../pricing/price.js';
import type { RoutePlan } from '../pricing/route-pricing.service.js';
import { paymentInfoFor, priceDescription, priceLabel } from './payment-info.js';

const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const BASE_USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const SEPOLIA_USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const RPC_URLS = { 'eip155:8453': 'https://base.example.com', 'eip155:84532': 'https://sepolia.base.example.com' };
const config = resolveX402Config({ networks: ['eip155:8453', 'eip155:84532'], payTo: PAY_TO, facilitator: { type: 'remote', url: 'https://f.example.com' }, settlement: { rpcUrls: RPC_URLS } });

function plan(price: Parameters<typeof quotePrice>[0] | (() => string), options: RoutePlan['options'] = {}): RoutePlan {
  const base = { route: 'GET /x', options, payTo: config.payTo, maxTimeoutSeconds: 120 };
  return typeof price === 'function' ? { ...base, dynamic: price } : { ...base, quotes: quotePrice(price, config.accepted) };
}

describe('paymentInfoFor', () => {
  it('documents a USD price as a fixed USD amount and one accepts entry per network, in atomic units', () => {
    const info = paymentInfoFor(plan('$0.01'), config.accepted);
    expect(info.price).toEqual({ mode: 'fixed', currency: 'USD', amount: '0.01' });
    expect(info.protocols).toEqual([
      {
        x402: {
          version: 2,
          scheme: 'exact',
          payTo: PAY_TO,
          symbols: ['USDC'],
          accepts: [
            { scheme: 'exact', network: 'eip155:8453', amount: '10000', asset: BASE_USDC, payTo: PAY_TO, maxTimeoutSeconds: 120, extra: { name: 'USD Coin', version: '2' } },
            { scheme: 'exact', network: 'eip155:84532', amount: '10000', asset: SEPOLIA_USDC, payTo: PAY_TO, maxTimeoutSeconds: 120, extra: { name: 'USDC', version: '2' } },
          ],
        },
      },
    ]);
    expect(priceLabel(info)).toBe('$0.01 · USDC');
    expect(priceDescription(info)).toContain('**x402 price: $0.01 (USD)**, paid as 10000 atomic units of USDC 0x8335');
  });

  it('documents an atomic price on the networks of its asset only', () => {
    const info = paymentInfoFor(plan({ amount: '1500000', asset: SEPOLIA_USDC }), config.accepted);
    expect(info.price).toEqual({ mode: 'fixed', currency: 'USD', amount: '1.5' });
    expect(info.protocols[0].x402.accepts.map((a) => [a.network, a.amount])).toEqual([['eip155:84532', '1500000']]);
    expect(priceLabel(info)).toBe('$1.50 · USDC');
  });

  it('documents a price function as dynamic, with the route description and the networks but no amount', () => {
    const info = paymentInfoFor(plan(() => '0.01', { description: '$0.001 per day' }), config.accepted);
    expect(info.price).toEqual({ mode: 'dynamic', currency: 'USD', description: 'computed per request: $0.001 per day' });
    for (const option of info.protocols[0].x402.accepts) expect(option).not.toHaveProperty('amount');
    expect(info.protocols[0].x402.accepts.map((a) => a.network)).toEqual(['eip155:8453', 'eip155:84532']);
    expect(priceLabel(info)).toBe('Dynamic price · USDC');
    expect(priceDescription(info)).toMatch(/^\*\*x402 price: dynamic\*\*, computed per request/);
  });

  it('reports a range when one atomic price is worth different USD amounts on different tokens', () => {
    const eighteen = resolveX402Config({
      networks: ['eip155:8453', 'eip155:84532'],
      assets: { 'eip155:84532': { address: BASE_USDC, name: 'Wide', version: '1', decimals: 18 } },
      payTo: PAY_TO,
      facilitator: { type: 'remote', url: 'https://f.example.com' },
      settlement: { rpcUrls: RPC_URLS },
    });
    const routePlan: RoutePlan = { route: 'GET /x', options: {}, payTo: eighteen.payTo, maxTimeoutSeconds: 60, quotes: quotePrice({ amount: '1000000', asset: BASE_USDC }, eighteen.accepted) };
    const info = paymentInfoFor(routePlan, eighteen.accepted);
    expect(info.price).toEqual({ mode: 'dynamic', currency: 'USD', min: '0.000000000001', max: '1', description: 'depends on the network paid on' });
    expect(priceLabel(info)).toBe('$0.000000000001–$1.00 · USDC');
  });
});
