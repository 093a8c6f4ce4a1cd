import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Priced, X402HttpException } from '@nestjs-x402/core';
import { CityClimateDto, CityDaysDto } from '../responses.dto.js';
import { CITIES, days, type City } from '../weather/weather.data.js';

function checkCity(city: string): City {
  if (!(CITIES as readonly string[]).includes(city)) throw new X402HttpException(404, 'unknown_city', `unknown city ${JSON.stringify(String(city).slice(0, 64))}; see GET /weather/cities`);
  return city as City;
}

/**
 * Also payable by transaction hash (`txProof`): a wallet that cannot sign an x402 payment (a multisig, a
 * wallet without EIP-712) sends exactly the quoted USDC with a plain transfer, signs the payment reference
 * (`personal_sign`) and presents the hash with that signature in `X-PAYMENT-PROOF` (or `Paywalled-Proof`).
 */
@ApiTags('archive')
@Controller('archive')
export class ArchiveController {
  /** One transfer, one response. */
  @Get(':city')
  @Priced('0.02', { description: 'A year of daily weather for one city', mimeType: 'application/json', txProof: true })
  @ApiOperation({ summary: 'A year of daily weather (also payable by transaction hash)' })
  @ApiParam({ name: 'city', enum: CITIES, example: 'berlin' })
  @ApiOkResponse({ description: 'A year of days', type: CityDaysDto })
  archive(@Param('city') city: string) {
    return { city: checkCity(city), days: days(city, new Date(Date.now() - 365 * 86_400_000), 365, 1) };
  }

  /** One transfer opens it for 10 minutes: present the proof again with the access secret of its PAYMENT-RESPONSE, or sign in with the paying wallet. */
  @Get(':city/climate')
  @Priced('0.03', { description: 'Monthly climate normals for one city, 10 minutes of access', mimeType: 'application/json', txProof: true, access: '10m' })
  @ApiOperation({ summary: 'Monthly climate normals (10 minutes of access; also payable by transaction hash)' })
  @ApiParam({ name: 'city', enum: CITIES, example: 'berlin' })
  @ApiOkResponse({ description: 'Twelve months', type: CityClimateDto })
  climate(@Param('city') city: string) {
    const year = days(checkCity(city), new Date(Date.now() - 365 * 86_400_000), 365, 1);
    const months = Array.from({ length: 12 }, (_, m) => year.filter((d) => Number(d.date.slice(5, 7)) === m + 1));
    return {
      city,
      months: months.map((list, m) => ({
        month: m + 1,
        avgHighC: Math.round((list.reduce((sum, d) => sum + d.highC, 0) / Math.max(list.length, 1)) * 10) / 10,
        rainMm: list.reduce((sum, d) => sum + d.precipitationMm, 0),
      })),
    };
  }
}
