import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Free, Priced } from '@nestjs-x402/core';
import { CITIES, days } from '../weather/weather.data.js';

const REPORTS = {
  'heat-2026': { title: 'Heat outlook 2026', cities: ['lisbon', 'sao-paulo', 'singapore'] },
  'rain-monthly': { title: 'Monthly rain report', cities: ['amsterdam', 'berlin', 'tokyo'] },
} as const;

/** Every route of this controller costs $0.05, except the catalog; a payer may come back for an hour by signing in. */
@ApiTags('reports')
@Controller('reports')
@Priced('0.05', { description: 'Climate report', mimeType: 'application/json', access: '1h' })
export class ReportsController {
  @Get()
  @Free()
  @ApiOperation({ summary: 'Report catalog (free)' })
  catalog() {
    return { reports: Object.entries(REPORTS).map(([id, r]) => ({ id, title: r.title })) };
  }

  @Get('summary')
  @ApiOperation({ summary: 'Summary of all cities' })
  summary() {
    return {
      cities: CITIES.map((city) => {
        const week = days(city, new Date(), 7, 1);
        return { city, avgHighC: week.reduce((sum, d) => sum + d.highC, 0) / week.length };
      }),
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One report' })
  report(@Param('id') id: string) {
    const report = REPORTS[id as keyof typeof REPORTS];
    if (!report) throw new NotFoundException(`unknown report "${id}"`);
    return { id, title: report.title, cities: report.cities.map((city) => ({ city, week: days(city, new Date(), 7, 1) })) };
  }
}
