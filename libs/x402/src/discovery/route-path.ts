/**
 * Turns a Nest route path (`/weather/forecast/:city`, `/files/*path`, `/a{/:b}`) into an OpenAPI
 * path template (`/weather/forecast/{city}`), as @nestjs/swagger writes it.
 *
 * @example
 * toOpenApiPath('/weather/forecast/:city') // '/weather/forecast/{city}'
 */
export function toOpenApiPath(nestPath: string): string {
  const path = nestPath
    .replace(/\\(.)/g, '$1') // an escaped character is literal text
    .replace(/[{}]/g, '') // optional groups: keep their content
    .replace(/[:*]([A-Za-z_$][\w$]*)/g, '{$1}');
  return path === '' ? '/' : path;
}

/**
 * Turns an OpenAPI path template into a concrete path with the given parameter values.
 *
 * @example
 * fillPath('/weather/forecast/{city}', { city: 'lisbon' }) // '/weather/forecast/lisbon'
 */
export function fillPath(template: string, values: Record<string, unknown>, fallback = 'sample'): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(String(values[name] ?? fallback)));
}
