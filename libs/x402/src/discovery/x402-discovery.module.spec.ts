import { Controller, Get, Post, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { decodePaymentRequiredHeader } from '@x402/core/http';
import type { FacilitatorClient } from '@x402/core/server';
import request from 'supertest';
import { Free, Priced } from '../http/priced.decorator.js';
import { X402Module } from '../x402.module.js';
import { X402ResourceServerHost } from '../x402.resource-server.js';
import { Discoverable } from './discoverable.decorator.js';
import { X402DiscoveryModule } from './x402-discovery.module.js';

const NETWORK = 'eip155:8453';
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAY_TO = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';

@Controller('weather')
class WeatherController {
  @Get('forecast/:city')
  @Priced('0.01', { description: 'Forecast', mimeType: 'application/json' })
  @Discoverable({ pathParams: { city: 'lisbon' }, output: { example: { city: 'lisbon' } } })
  forecast() {
    return {};
  }
  @Get('history/:city') @Priced(() => '0.02') history() {}
  @Get('cities') cities() {}
}

@Controller('reports')
@Priced('0.05')
class ReportsController {
  @Get() @Free() catalog() {}
  @Post('custom') custom() {}
}

const facilitator: FacilitatorClient = {
  verify: async () => ({ isValid: true }),
  settle: async () => ({ success: true, transaction: '0x', network: NETWORK }),
  getSupported: async () => ({ kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK }], extensions: [], signers: {} }),
};

describe('X402DiscoveryModule: GET /.well-known/x402', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        X402Module.forRoot({ networks: [NETWORK], payTo: PAY_TO, facilitator: { type: 'client', client: facilitator } }),
        X402DiscoveryModule.forRoot({ globalPrefix: 'api', ownershipProofs: ['0xproof'] }),
      ],
      controllers: [WeatherController, ReportsController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('api', { exclude: ['.well-known/x402'] });
    await app.init();
  });
  afterAll(() => app?.close());

  it('lists every priced route with its URL, method, price and requirements, and no free route', async () => {
    const res = await request(app.getHttpServer()).get('/.well-known/x402').set('Host', 'api.example.com').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const { body } = res;
    expect(body).toMatchObject({ version: 1, x402Version: 2, ownershipProofs: ['0xproof'] });
    expect(body.items.map((i: { method: string; path: string }) => `${i.method} ${i.path}`).sort()).toEqual([
      'GET /api/weather/forecast/{city}',
      'GET /api/weather/history/{city}',
      'POST /api/reports/custom',
    ]);
    expect(body.resources).toEqual(expect.arrayContaining(['http://api.example.com/api/weather/forecast/{city}', 'http://api.example.com/api/reports/custom']));
    const forecast = body.items.find((i: { path: string }) => i.path === '/api/weather/forecast/{city}');
    expect(forecast).toMatchObject({
      resource: 'http://api.example.com/api/weather/forecast/{city}',
      type: 'http',
      x402Version: 2,
      description: 'Forecast',
      mimeType: 'application/json',
      price: { mode: 'fixed', currency: 'USD', amount: '0.01' },
      accepts: [{ scheme: 'exact', network: NETWORK, amount: '10000', asset: USDC, payTo: PAY_TO, maxTimeoutSeconds: 300, extra: { name: 'USD Coin', version: '2' } }],
      extensions: { bazaar: { routeTemplate: '/weather/forecast/:city', info: { input: { method: 'GET', pathParams: { city: 'lisbon' } } } } },
    });
    const history = body.items.find((i: { path: string }) => i.path === '/api/weather/history/{city}');
    expect(history.price.mode).toBe('dynamic');
    expect(history.accepts[0]).not.toHaveProperty('amount');
  });

  it('puts the same bazaar declaration in the 402 of the route, for facilitators to catalogue', async () => {
    const listed = (await request(app.getHttpServer()).get('/.well-known/x402')).body.items.find((i: { method: string; path: string }) => i.method === 'GET' && i.path.includes('forecast'));
    const res = await request(app.getHttpServer()).get('/api/weather/forecast/lisbon').expect(402);
    const challenge = decodePaymentRequiredHeader(res.headers['payment-required']);
    expect(challenge.extensions?.bazaar).toEqual(listed.extensions.bazaar);
    expect(res.body.extensions.bazaar).toEqual(listed.extensions.bazaar);
    expect(challenge.accepts).toEqual(listed.accepts);
  });

  it('registers the bazaar extension on the resource server', () => {
    expect(app.get(X402ResourceServerHost).server.hasExtension('bazaar')).toBe(true);
  });

  it('declares no bazaar extension on routes without @Discoverable', async () => {
    const res = await request(app.getHttpServer()).post('/api/reports/custom').expect(402);
    expect(decodePaymentRequiredHeader(res.headers['payment-required']).extensions).not.toHaveProperty('bazaar');
  });
});
