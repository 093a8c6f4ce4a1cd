import { BadRequestException, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Discoverable } from '@nestjs-x402/core/discovery';
import { Priced } from '@nestjs-x402/core';
import { CITIES, dayWeather } from '../weather/weather.data.js';

interface SearchBody {
  query?: unknown;
  limit?: unknown;
}

@ApiTags('search')
@Controller('search')
export class SearchController {
  /** A priced POST: the body is validated after payment verification and before settlement, so bad input is never charged. */
  @Post()
  @HttpCode(200)
  @Priced('0.02', { description: 'Search today\'s weather across cities', mimeType: 'application/json' })
  @Discoverable({
    input: { query: 'rain', limit: 3 },
    inputSchema: { properties: { query: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1, maximum: 50 } }, required: ['query'] },
    output: { example: { query: 'rain', count: 1, results: [{ city: 'tokyo', date: '2026-01-01', condition: 'light rain', highC: 12, lowC: 7, precipitationMm: 3 }] } },
  })
  @ApiOperation({ summary: 'Search today\'s weather by condition or city' })
  @ApiBody({ schema: { type: 'object', required: ['query'], properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 50 } } } })
  search(@Body() body: SearchBody) {
    if (typeof body?.query !== 'string' || body.query.trim() === '') throw new BadRequestException('query must be a non-empty string');
    const limit = body.limit === undefined ? 10 : Number(body.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw new BadRequestException('limit must be an integer from 1 to 50');
    const q = body.query.trim().toLowerCase();
    const today = new Date();
    const results = CITIES.map((city) => ({ city, ...dayWeather(city, today) }))
      .filter((row) => row.city.includes(q) || row.condition.includes(q))
      .slice(0, limit);
    return { query: body.query, count: results.length, results };
  }
}
