import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CITIES, CONDITIONS } from './weather/weather.data.js';

/*
 * What the paid routes answer, as @nestjs/swagger schemas: the document shows them, and each route's
 * 402 carries them (with these examples) in its `bazaar` extension, so a caller knows before paying.
 */

export class DayWeatherDto {
  @ApiProperty({ description: 'YYYY-MM-DD', example: '2026-01-01' }) date!: string;
  @ApiProperty({ enum: CONDITIONS, example: 'sunny' }) condition!: string;
  @ApiProperty({ example: 21 }) highC!: number;
  @ApiProperty({ example: 14 }) lowC!: number;
  @ApiProperty({ example: 0 }) precipitationMm!: number;
}

export class CityDaysDto {
  @ApiProperty({ enum: CITIES, example: 'lisbon' }) city!: string;
  @ApiProperty({ type: [DayWeatherDto] }) days!: DayWeatherDto[];
}

export class MonthClimateDto {
  @ApiProperty({ minimum: 1, maximum: 12, example: 1 }) month!: number;
  @ApiProperty({ example: 15.2 }) avgHighC!: number;
  @ApiProperty({ example: 92 }) rainMm!: number;
}

export class CityClimateDto {
  @ApiProperty({ enum: CITIES, example: 'berlin' }) city!: string;
  @ApiProperty({ type: [MonthClimateDto] }) months!: MonthClimateDto[];
}

export class CityAverageDto {
  @ApiProperty({ enum: CITIES, example: 'lisbon' }) city!: string;
  @ApiProperty({ example: 19.4 }) avgHighC!: number;
}

export class SummaryDto {
  @ApiProperty({ type: [CityAverageDto] }) cities!: CityAverageDto[];
}

export class CityWeekDto {
  @ApiProperty({ enum: CITIES, example: 'lisbon' }) city!: string;
  @ApiProperty({ type: [DayWeatherDto] }) week!: DayWeatherDto[];
}

export class ReportDto {
  @ApiProperty({ example: 'heat-2026' }) id!: string;
  @ApiProperty({ example: 'Heat outlook 2026' }) title!: string;
  @ApiProperty({ type: [CityWeekDto] }) cities!: CityWeekDto[];
}

export class AlertDto {
  @ApiProperty({ description: 'UUID', example: '0b7e3c52-58f4-4a8e-9a52-8f0d2c6d1e11' }) id!: string;
  @ApiProperty({ enum: CITIES, example: 'lisbon' }) city!: string;
  @ApiPropertyOptional({ example: 0 }) belowC?: number;
  @ApiPropertyOptional({ example: 35 }) aboveC?: number;
  @ApiProperty({ description: 'ISO 8601 time', example: '2026-01-01T12:00:00.000Z' }) createdAt!: string;
}

export class ChargedDto {
  @ApiProperty({ description: 'Atomic units settled', example: '20000' }) atomic!: string;
  @ApiProperty({ description: 'True when the cities asked for cost more than the $0.05 authorized', example: false }) capped!: boolean;
}

export class BulkForecastsDto {
  @ApiProperty({ type: [CityDaysDto] }) forecasts!: CityDaysDto[];
  @ApiProperty({ type: ChargedDto }) charged!: ChargedDto;
}
