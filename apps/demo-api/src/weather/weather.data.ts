/** Deterministic sample weather: the same city and day always give the same numbers. */
export const CITIES = ['amsterdam', 'berlin', 'lisbon', 'nairobi', 'new-york', 'sao-paulo', 'singapore', 'tokyo'] as const;
export type City = (typeof CITIES)[number];

export const CONDITIONS = ['sunny', 'partly cloudy', 'cloudy', 'light rain', 'showers', 'windy'] as const;

function seed(text: string): number {
  let h = 2166136261;
  for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}

export interface DayWeather {
  date: string;
  condition: (typeof CONDITIONS)[number];
  highC: number;
  lowC: number;
  precipitationMm: number;
}

export function dayWeather(city: string, date: Date): DayWeather {
  const day = date.toISOString().slice(0, 10);
  const s = seed(`${city}:${day}`);
  const high = 8 + (s % 24);
  return {
    date: day,
    condition: CONDITIONS[s % CONDITIONS.length],
    highC: high,
    lowC: high - 4 - ((s >>> 5) % 6),
    precipitationMm: ((s >>> 9) % 12) / 2,
  };
}

export function days(city: string, from: Date, count: number, step: 1 | -1): DayWeather[] {
  return Array.from({ length: count }, (_, i) => dayWeather(city, new Date(from.getTime() + step * i * 86_400_000)));
}
