import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Free, Priced, ValidateBeforePayment, X402HttpException } from '@nestjs-x402/core';
import { ReportDto, SummaryDto } from '../responses.dto.js';
import { CITIES, days } from '../weather/weather.data.js';

const REPORTS = {
  'heat-2026': { title: 'Heat outlook 2026', cities: ['lisbon', 'sao-paulo', 'singapore'] },
  'rain-monthly': { title: 'Monthly rain report', cities: ['amsterdam', 'berlin', 'tokyo'] },
} as const;

type ReportId = keyof typeof REPORTS;

/** The report of that id (own keys only: `__proto__` or `constructor` are no reports), else a 404 `unknown_report`. */
function knownReport(id: string | undefined): (typeof REPORTS)[ReportId] {
  if (id === undefined || !Object.hasOwn(REPORTS, id)) {
    throw new X402HttpException(404, 'unknown_report', `unknown report ${JSON.stringify(String(id).slice(0, 64))}; see GET /reports`);
  }
  return REPORTS[id as ReportId];
}

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
  @ApiOkResponse({ description: 'Average high of the coming week, per city', type: SummaryDto })
  summary() {
    return {
      cities: CITIES.map((city) => {
        const week = days(city, new Date(), 7, 1);
        return { city, avgHighC: week.reduce((sum, d) => sum + d.highC, 0) / week.length };
      }),
    };
  }

  @Get(':id')
  @ValidateBeforePayment(({ params }) => void knownReport(params?.id)) // an unknown report is a 404 before any payment
  @ApiOperation({ summary: 'One report' })
  @ApiParam({ name: 'id', enum: Object.keys(REPORTS), example: 'heat-2026' })
  @ApiOkResponse({ description: 'The report', type: ReportDto })
  report(@Param('id') id: string) {
    const report = knownReport(id);
    return { id, title: report.title, cities: report.cities.map((city) => ({ city, week: days(city, new Date(), 7, 1) })) };
  }
}
