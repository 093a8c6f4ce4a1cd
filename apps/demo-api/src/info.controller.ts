import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';

/** A sun, for the catalogues and agent tools that show an API with its icon. */
const FAVICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="7" fill="#f5a623"/><g stroke="#f5a623" stroke-width="2.5" stroke-linecap="round"><path d="M16 2v4M16 26v4M2 16h4M26 16h4M6 6l3 3M23 23l3 3M6 26l3-3M23 9l3-3"/></g></svg>';

@ApiTags('info')
@Controller()
export class InfoController {
  @Get()
  @ApiOperation({ summary: 'What this API offers and how to pay (free)' })
  info() {
    return {
      name: 'x402 weather demo',
      payment: 'Priced routes answer 402 with a PAYMENT-REQUIRED header; pay with any x402 client, e.g. `npx x402 pay <url>`.',
      docs: '/docs',
      routes: [
        { method: 'GET', path: '/weather/cities', price: 'free' },
        { method: 'GET', path: '/weather/forecast/:city', price: '$0.01' },
        { method: 'GET', path: '/weather/history/:city?days=N', price: '$0.001 per day ($0.001 to $0.365)' },
        { method: 'POST', path: '/search', price: '$0.02' },
        { method: 'POST', path: '/alerts', price: '$0.10 (settled before the alert is created)' },
        { method: 'GET', path: '/bulk/forecasts?cities=a,b', price: '$0.01 per city, up to $0.05 (usage-based, x402 upto)' },
        { method: 'GET', path: '/archive/:city', price: '$0.02, also payable by transaction hash (X-PAYMENT-PROOF: the hash and the sender\'s signature of the reference)' },
        { method: 'GET', path: '/archive/:city/climate', price: '$0.03 for 10 minutes of access, also payable by transaction hash' },
        { method: 'GET', path: '/reports', price: 'free' },
        { method: 'GET', path: '/reports/summary', price: '$0.05' },
        { method: 'GET', path: '/reports/:id', price: '$0.05' },
      ],
    };
  }

  @Get('favicon.svg')
  @Header('Content-Type', 'image/svg+xml')
  @Header('Cache-Control', 'public, max-age=86400')
  @ApiExcludeEndpoint()
  favicon() {
    return FAVICON;
  }
}
