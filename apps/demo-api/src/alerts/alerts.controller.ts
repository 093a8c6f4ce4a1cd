import { BadRequestException, Body, Controller, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { Priced } from '@nestjs-x402/core';
import { AlertDto } from '../responses.dto.js';
import { CITIES } from '../weather/weather.data.js';

interface AlertBody {
  city?: unknown;
  belowC?: unknown;
  aboveC?: unknown;
}

/** Creating something is a side effect: money moves first (`settlement: 'upfront'`), then the alert is created. */
@ApiTags('alerts')
@Controller('alerts')
export class AlertsController {
  private readonly alerts = new Map<string, { id: string; city: string; belowC?: number; aboveC?: number; createdAt: string }>();

  @Post()
  @Priced('0.10', { description: 'Create a temperature alert for a city', mimeType: 'application/json', settlement: 'upfront' })
  @ApiOperation({ summary: 'Create a temperature alert (paid before it is created)' })
  @ApiBody({ schema: { type: 'object', required: ['city'], properties: { city: { type: 'string' }, belowC: { type: 'number' }, aboveC: { type: 'number' } } } })
  @ApiCreatedResponse({ description: 'The alert', type: AlertDto })
  create(@Body() body: AlertBody) {
    if (typeof body?.city !== 'string' || !(CITIES as readonly string[]).includes(body.city)) {
      throw new BadRequestException(`city must be one of ${CITIES.join(', ')}`);
    }
    const belowC = body.belowC === undefined ? undefined : Number(body.belowC);
    const aboveC = body.aboveC === undefined ? undefined : Number(body.aboveC);
    if ((belowC !== undefined && !Number.isFinite(belowC)) || (aboveC !== undefined && !Number.isFinite(aboveC))) {
      throw new BadRequestException('belowC and aboveC must be numbers');
    }
    const alert = { id: randomUUID(), city: body.city, belowC, aboveC, createdAt: new Date().toISOString() };
    this.alerts.set(alert.id, alert);
    return alert;
  }
}
