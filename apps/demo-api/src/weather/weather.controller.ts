import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Discoverable } from '@nestjs-x402/core/discovery';
import { Priced, X402HttpException } from '@nestjs-x402/core';
import { CityDaysDto } from '../responses.dto.js';
import { CITIES, days, type City } from './weather.data.js';

function checkCity(city: string): City {
  if (!(CITIES as readonly string[]).includes(city)) throw new X402HttpException(404, 'unknown_city', `unknown city ${JSON.stringify(String(city).slice(0, 64))}; see GET /weather/cities`);
  return city as City;
}

function historyDays(request: { query?: Record<string, unknown> }): number {
  const text = String(request.query?.days ?? '7');
  const count = Number(text);
  if (!/^[0-9]+$/.test(text) || count < 1 || count > 365) throw new X402HttpException(400, 'invalid_days', 'days must be one integer from 1 to 365');
  return count;
}

@ApiTags('weather')
@Controller('weather')
export class WeatherController {
  @Get('cities')
  @ApiOperation({ summary: 'Cities with forecasts (free)' })
  cities() {
    return { cities: CITIES };
  }

  @Get('forecast/:city')
  @Priced('0.01', { description: 'Seven-day forecast for one city', mimeType: 'application/json' })
  @Discoverable({
    pathParams: { city: 'lisbon' },
    pathParamsSchema: { properties: { city: { type: 'string', enum: [...CITIES] } }, required: ['city'] },
    output: { example: { city: 'lisbon', days: [{ date: '2026-01-01', condition: 'sunny', highC: 21, lowC: 14, precipitationMm: 0 }] } },
  })
  @ApiOperation({ summary: 'Seven-day forecast' })
  @ApiParam({ name: 'city', enum: CITIES, example: 'lisbon' })
  @ApiOkResponse({ description: 'The forecast', type: CityDaysDto })
  forecast(@Param('city') city: string) {
    return { city: checkCity(city), days: days(city, new Date(), 7, 1) };
  }

  /** Priced by the number of days asked for: $0.001 a day. */
  @Get('history/:city')
  @Priced(
    (request: { query?: Record<string, unknown> }) => {
      const count = historyDays(request); // thousandths of a dollar
      return `${Math.floor(count / 1000)}.${String(count % 1000).padStart(3, '0')}`;
    },
    { description: 'Daily history, $0.001 per day', mimeType: 'application/json', min: '0.001', max: '0.365' },
  )
  @ApiOperation({ summary: 'Daily history ($0.001 per day)' })
  @ApiParam({ name: 'city', enum: CITIES, example: 'tokyo' })
  @ApiQuery({ name: 'days', required: false, description: 'Days back, 1 to 365 (default 7); the price is $0.001 a day', schema: { type: 'string', pattern: '^[0-9]+$', example: '7' } })
  @ApiOkResponse({ description: 'The history, newest day first', type: CityDaysDto })
  history(@Param('city') city: string, @Query('days') daysText?: string) {
    const count = historyDays({ query: { days: daysText ?? '7' } });
    return { city: checkCity(city), days: days(city, new Date(Date.now() - 86_400_000), count, -1) };
  }
}
