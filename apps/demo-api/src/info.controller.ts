import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';

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
        { method: 'GET', path: '/weather/history/:city?days=N', price: '$0.001 per day' },
        { method: 'POST', path: '/search', price: '$0.02' },
        { method: 'POST', path: '/alerts', price: '$0.10 (settled before the alert is created)' },
        { method: 'GET', path: '/bulk/forecasts?cities=a,b', price: '$0.01 per city, up to $0.05 (usage-based, x402 upto)' },
        { method: 'GET', path: '/archive/:city', price: '$0.02, also payable by transaction hash (X-PAYMENT-PROOF)' },
        { method: 'GET', path: '/archive/:city/climate', price: '$0.03 for 10 minutes of access, also payable by transaction hash' },
        { method: 'GET', path: '/reports', price: 'free' },
        { method: 'GET', path: '/reports/summary', price: '$0.05' },
        { method: 'GET', path: '/reports/:id', price: '$0.05' },
      ],
    };
  }
}
