import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Priced, ValidateBeforePayment, X402HttpException, X402Usage, type UsageMeter } from '@nestjs-x402/core';
import { BulkForecastsDto } from '../responses.dto.js';
import { CITIES, days } from '../weather/weather.data.js';

/** The distinct cities of `?cities=a,b`: one query parameter of known cities, else a 400 `invalid_cities`. */
function citiesOf(text: unknown): string[] {
  const cities = typeof text === 'string' ? [...new Set(text.split(',').map((c) => c.trim()).filter(Boolean))] : [];
  if (cities.length === 0 || cities.some((c) => !(CITIES as readonly string[]).includes(c))) {
    throw new X402HttpException(400, 'invalid_cities', `cities must be one comma-separated list of ${CITIES.join(', ')}`);
  }
  return cities;
}

/** Usage-based pricing (x402 `upto`): the payer authorizes $0.05, each city forecast costs $0.01, only that is settled. */
@ApiTags('bulk')
@Controller('bulk')
export class BulkController {
  @Get('forecasts')
  @Priced({ upTo: '0.05' }, { description: 'Forecasts for several cities, $0.01 per city (at most $0.05)', mimeType: 'application/json' })
  @ApiOperation({ summary: 'Forecasts for several cities ($0.01 per city, usage-based)' })
  @ApiQuery({ name: 'cities', description: 'Comma-separated cities, e.g. lisbon,tokyo', example: 'lisbon,tokyo' })
  @ValidateBeforePayment(({ query }) => void citiesOf(query?.cities)) // bad input is a 400 before any payment
  @ApiOkResponse({ description: 'Three-day forecasts, and what was charged', type: BulkForecastsDto })
  forecasts(@Query('cities') text: unknown, @X402Usage() usage: UsageMeter) {
    const cities = citiesOf(text);
    // Charged per city actually served; past the authorized $0.05 the extra cities are free (the charge is capped).
    for (const _ of cities) usage.charge('0.01');
    return {
      forecasts: cities.map((city) => ({ city, days: days(city, new Date(), 3, 1) })),
      charged: { atomic: usage.total.toString(), capped: usage.capped },
    };
  }
}
