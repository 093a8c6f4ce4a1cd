import { Body, Controller, Get, HttpCode, Module, NotFoundException, Param, Post, Query, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { x402Client } from '@x402/core/client';
import { encodePaymentSignatureHeader } from '@x402/core/http';
import type { PaymentPayload, PaymentRequired, SettleResponse } from '@x402/core/types';
import { ExactEvmScheme, toClientEvmSigner } from '@x402/evm';
import { Free, Priced, X402Events, X402Module, X402ReceiptsService, type X402Event } from '@nestjs-x402/core';
import { Discoverable } from '@nestjs-x402/core/discovery';
import { X402McpModule } from '@nestjs-x402/core/mcp';
import { startX402Testbed, type X402Testbed } from '@nestjs-x402/testing';
import { ADAPTERS, startDemo, type DemoHarness } from './support/demo.harness.js';

@Controller('quotes')
class QuotesController {
  @Get('symbols')
  @Free()
  symbols() {
    return { symbols: ['ETH', 'BTC'] };
  }

  @Get(':symbol')
  @Priced('0.01', { description: 'Latest quote of one symbol' })
  quote(@Param('symbol') symbol: string, @Query('currency') currency?: string) {
    if (!['ETH', 'BTC'].includes(symbol)) throw new NotFoundException(`unknown symbol ${symbol}`);
    return { symbol, currency: currency ?? 'USD', price: symbol === 'ETH' ? 3000 : 90000 };
  }

  @Post('convert')
  @HttpCode(200)
  @Priced('0.02', { description: 'Convert an amount between symbols' })
  @Discoverable({
    input: { amount: 1, from: 'ETH', to: 'BTC' },
    inputSchema: { properties: { amount: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } }, required: ['amount', 'from', 'to'] },
  })
  convert(@Body() body: { amount: number; from: string; to: string }) {
    return { ...body, result: body.from === 'ETH' && body.to === 'BTC' ? body.amount / 30 : body.amount * 30 };
  }
}

function appModule(testbed: X402Testbed) {
  @Module({
    imports: [X402Module.forRoot({ ...testbed.moduleOptions }), X402McpModule.forRoot({ name: 'quotes' })],
    controllers: [QuotesController],
  })
  class AppModule {}
  return AppModule;
}

/** An MCP client (the SDK's own, Streamable HTTP) connected to `url`. */
async function connect(url: string): Promise<Client> {
  const client = new Client({ name: 'e2e-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** The official x402 client, paying as the testbed's buyer. */
function payer(testbed: X402Testbed) {
  const client = new x402Client().register('eip155:*', new ExactEvmScheme(toClientEvmSigner(testbed.buyer.account)));
  client.setSpendControls({ allowedAssets: true });
  return client;
}

const paymentResponseOf = (result: CallToolResult) => result._meta?.['x402/payment-response'] as SettleResponse | undefined;

/**
 * The x402 MCP transport on a Nest app: the SDK's MCP client lists the priced routes as tools and pays them
 * with the official x402 client on anvil, through the same guard, ledger and settlement as HTTP.
 */
describe('priced routes as paid MCP tools (anvil, official x402 and MCP clients)', () => {
  let testbed: X402Testbed;
  beforeAll(async () => {
    testbed = await startX402Testbed();
  });
  afterAll(() => testbed?.stop());

  describe.each(ADAPTERS)('on %s', (adapter) => {
    let app: INestApplication;
    let url: string;
    let mcp: Client;
    const events: X402Event[] = [];

    beforeAll(async () => {
      app = adapter === 'fastify' ? await NestFactory.create(appModule(testbed), new FastifyAdapter(), { logger: false }) : await NestFactory.create(appModule(testbed), { logger: false });
      await app.listen(0, '127.0.0.1');
      url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      app.get(X402Events).on((event) => void events.push(event));
      mcp = await connect(`${url}/mcp`);
    });
    afterAll(async () => {
      await mcp?.close();
      await app?.close();
    });

    const unpaid = async (name: string, args: Record<string, unknown>) => {
      const result = (await mcp.callTool({ name, arguments: args })) as CallToolResult;
      return result.structuredContent as unknown as PaymentRequired;
    };
    const paid = async (name: string, args: Record<string, unknown>, payment: PaymentPayload) =>
      (await mcp.callTool({ name, arguments: args, _meta: { 'x402/payment': payment } })) as CallToolResult;

    it('lists the priced and free routes as tools, with their descriptions, prices and input schemas', async () => {
      const { tools } = await mcp.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['quotes_convert', 'quotes_quote', 'quotes_symbols']);
      const quote = tools.find((t) => t.name === 'quotes_quote')!;
      expect(quote.description).toContain('Latest quote of one symbol');
      expect(quote.description).toContain('$0.01');
      expect(quote.inputSchema).toMatchObject({ type: 'object', properties: { symbol: { type: 'string' }, currency: { type: 'string' } }, required: ['symbol'] });
      const convert = tools.find((t) => t.name === 'quotes_convert')!;
      expect(convert.inputSchema).toMatchObject({ properties: { amount: { type: 'number' }, from: { type: 'string' } }, required: ['amount', 'from', 'to'] });
      expect(tools.find((t) => t.name === 'quotes_symbols')!.description).toContain('Free');
    });

    it('answers a free tool without payment', async () => {
      const result = (await mcp.callTool({ name: 'quotes_symbols', arguments: {} })) as CallToolResult;
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ symbols: ['ETH', 'BTC'] });
    });

    it('answers an unpaid call with isError and the PaymentRequired, in structuredContent and as JSON text', async () => {
      const result = (await mcp.callTool({ name: 'quotes_quote', arguments: { symbol: 'ETH' } })) as CallToolResult;
      expect(result.isError).toBe(true);
      const required = result.structuredContent as unknown as PaymentRequired;
      expect(required).toMatchObject({ x402Version: 2, resource: { url: `${url}/quotes/ETH` } });
      expect(required.accepts).toEqual([expect.objectContaining({ scheme: 'exact', network: testbed.network, amount: '10000', asset: testbed.devnet.usdc.address, payTo: testbed.payTo })]);
      expect(JSON.parse((result.content as { type: 'text'; text: string }[])[0].text)).toEqual(required);
      // The same challenge as over HTTP.
      const http = await fetch(`${url}/quotes/ETH`);
      expect(http.status).toBe(402);
      expect(required.accepts).toEqual((await unpaid('quotes_quote', { symbol: 'ETH' })).accepts);
    });

    it('pays a tool with path and query arguments: the result, the settlement in _meta, the chain and the ledger', async () => {
      const before = await testbed.balanceOf(testbed.payTo);
      const payment = await payer(testbed).createPaymentPayload(await unpaid('quotes_quote', { symbol: 'BTC', currency: 'EUR' }));
      const result = await paid('quotes_quote', { symbol: 'BTC', currency: 'EUR' }, payment);
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ symbol: 'BTC', currency: 'EUR', price: 90000 });
      const settlement = paymentResponseOf(result)!;
      expect(settlement).toMatchObject({ success: true, network: testbed.network, payer: testbed.buyer.address, transaction: expect.stringMatching(/^0x[0-9a-f]{64}$/) });
      expect((await testbed.balanceOf(testbed.payTo)) - before).toBe(10_000n);
      const receipts = await app.get(X402ReceiptsService).find({});
      expect(receipts.find((r) => r.transaction === settlement.transaction)).toMatchObject({ state: 'settled', route: 'GET /quotes/:symbol', amount: '10000' });
      expect(events.filter((e) => e.type === 'settled' && (e as { transaction?: string }).transaction === settlement.transaction)).toHaveLength(1);
    });

    it('pays a tool with a JSON body', async () => {
      const before = await testbed.balanceOf(testbed.payTo);
      const args = { amount: 3, from: 'ETH', to: 'BTC' };
      const payment = await payer(testbed).createPaymentPayload(await unpaid('quotes_convert', args));
      const result = await paid('quotes_convert', args, payment);
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toEqual({ ...args, result: 0.1 });
      expect(paymentResponseOf(result)).toMatchObject({ success: true });
      expect((await testbed.balanceOf(testbed.payTo)) - before).toBe(20_000n);
    });

    it('refuses a bad payment with the same stable code as HTTP, and charges nothing', async () => {
      const required = await unpaid('quotes_quote', { symbol: 'ETH' });
      const good = await payer(testbed).createPaymentPayload(required);
      const before = await testbed.balanceOf(testbed.buyer.address);
      const cases: [PaymentPayload, string][] = [
        [{ ...good, accepted: { ...good.accepted, amount: '1' } }, 'payment_requirements_mismatch'], // not what the route asks
        [{ ...good, payload: { ...good.payload, signature: `0x${'11'.repeat(65)}` } }, 'invalid_exact_evm_signature'], // refused by the facilitator
      ];
      for (const [bad, expected] of cases) {
        const result = await paid('quotes_quote', { symbol: 'ETH' }, bad);
        expect(result.isError).toBe(true);
        const http = await fetch(`${url}/quotes/ETH`, { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(bad) } });
        expect(http.status).toBe(402);
        expect((await http.json()).error).toBe(expected);
        expect((result.structuredContent as { error?: string }).error).toBe(expected);
        expect(paymentResponseOf(result)).toBeUndefined();
      }
      expect(await testbed.balanceOf(testbed.buyer.address)).toBe(before);
    });

    it('maps a route error to isError with its status and body, and charges nothing', async () => {
      const before = await testbed.balanceOf(testbed.buyer.address);
      const payment = await payer(testbed).createPaymentPayload(await unpaid('quotes_quote', { symbol: 'DOGE' }));
      const result = await paid('quotes_quote', { symbol: 'DOGE' }, payment);
      expect(result.isError).toBe(true);
      expect(result.structuredContent).toMatchObject({ status: 404, message: 'unknown symbol DOGE' });
      const missing = (await mcp.callTool({ name: 'quotes_quote', arguments: {} })) as CallToolResult;
      expect(missing).toMatchObject({ isError: true, structuredContent: { error: { code: 'invalid_tool_arguments' } } });
      expect(await testbed.balanceOf(testbed.buyer.address)).toBe(before);
    });

    it('does not charge twice for a replayed payment', async () => {
      const payment = await payer(testbed).createPaymentPayload(await unpaid('quotes_quote', { symbol: 'ETH' }));
      const first = await paid('quotes_quote', { symbol: 'ETH' }, payment);
      expect(paymentResponseOf(first)).toMatchObject({ success: true });
      const before = await testbed.balanceOf(testbed.payTo);
      const again = await paid('quotes_quote', { symbol: 'ETH' }, payment);
      const overHttp = await fetch(`${url}/quotes/BTC`, { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(payment) } });
      expect(overHttp.status).toBe(402);
      expect((await overHttp.json()).error).toBe('payment_already_used');
      // A client's retry (same tool and arguments, within the ledger's replay window) gets the stored answer
      // of the first call, as over HTTP; the same authorization on another resource is refused.
      expect(again.isError).toBeFalsy();
      expect(again.structuredContent).toEqual(first.structuredContent);
      expect(paymentResponseOf(again)!.transaction).toBe(paymentResponseOf(first)!.transaction);
      const elsewhere = await paid('quotes_quote', { symbol: 'BTC' }, payment);
      expect(elsewhere).toMatchObject({ isError: true, structuredContent: { error: 'payment_already_used' } });
      expect(await testbed.balanceOf(testbed.payTo)).toBe(before);
      const receipts = (await app.get(X402ReceiptsService).find({})).filter((r) => r.transaction === paymentResponseOf(first)!.transaction);
      expect(receipts).toHaveLength(1);
    });

    it('answers GET on the endpoint with 405 (stateless server)', async () => {
      const res = await fetch(`${url}/mcp`, { headers: { accept: 'text/event-stream' } });
      expect(res.status).toBe(405);
    });
  });

  it('serves the endpoint at a configured path under a global prefix, and calls the routes under it', async () => {
    @Module({
      imports: [X402Module.forRoot({ ...testbed.moduleOptions }), X402McpModule.forRoot({ path: 'agents/mcp', globalPrefix: 'api' })],
      controllers: [QuotesController],
    })
    class PrefixedModule {}
    const app = await NestFactory.create(PrefixedModule, { logger: false });
    app.setGlobalPrefix('api');
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const mcp = await connect(`${url}/api/agents/mcp`);
    try {
      const unpaid = (await mcp.callTool({ name: 'quotes_quote', arguments: { symbol: 'ETH' } })) as CallToolResult;
      expect(unpaid).toMatchObject({ isError: true, structuredContent: { resource: { url: `${url}/api/quotes/ETH` } } });
      const payment = await payer(testbed).createPaymentPayload(unpaid.structuredContent as unknown as PaymentRequired);
      const paid = (await mcp.callTool({ name: 'quotes_quote', arguments: { symbol: 'ETH' }, _meta: { 'x402/payment': payment } })) as CallToolResult;
      expect(paid.structuredContent).toEqual({ symbol: 'ETH', currency: 'USD', price: 3000 });
      expect(paymentResponseOf(paid)).toMatchObject({ success: true });
    } finally {
      await mcp.close();
      await app.close();
    }
  });
});

describe("the demo API's routes as MCP tools (anvil, PGlite)", () => {
  let demo: DemoHarness;
  let mcp: Client;
  beforeAll(async () => {
    demo = await startDemo({}, {}, { database: 'pglite' });
    mcp = await connect(`${demo.url}/mcp`);
  });
  afterAll(async () => {
    await mcp?.close();
    await demo?.close();
  });

  it('lists the demo routes and pays the forecast tool', async () => {
    const { tools } = await mcp.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['weather_forecast', 'weather_history', 'search_search', 'alerts_create', 'reports_summary']));
    expect(tools.find((t) => t.name === 'weather_forecast')!.inputSchema).toMatchObject({ properties: { city: { type: 'string', enum: expect.arrayContaining(['lisbon']) } }, required: ['city'] });
    const unpaid = (await mcp.callTool({ name: 'weather_forecast', arguments: { city: 'lisbon' } })) as CallToolResult;
    expect(unpaid.isError).toBe(true);
    const client = new x402Client().register('eip155:*', new ExactEvmScheme(toClientEvmSigner(demo.devnet.accounts.buyer.account)));
    client.setSpendControls({ allowedAssets: true });
    const payment = await client.createPaymentPayload(unpaid.structuredContent as unknown as PaymentRequired);
    const result = (await mcp.callTool({ name: 'weather_forecast', arguments: { city: 'lisbon' }, _meta: { 'x402/payment': payment } })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ city: 'lisbon' });
    expect(paymentResponseOf(result)).toMatchObject({ success: true, network: demo.devnet.network });
  });

  it('quotes a dynamic price from the arguments, as the route does over HTTP', async () => {
    const amountFor = async (days: number) => {
      const result = (await mcp.callTool({ name: 'weather_history', arguments: { city: 'tokyo', days } })) as CallToolResult;
      return (result.structuredContent as unknown as PaymentRequired).accepts[0].amount;
    };
    expect([await amountFor(30), await amountFor(7)]).toEqual(['30000', '7000']);
  });
});
