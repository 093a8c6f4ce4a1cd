import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One line of a profile summary: a frame or a package, with its share of the sampled time. */
export interface ProfileEntry {
  name: string;
  selfPct: number;
}

export interface ProfileSummary {
  /** Sampled time outside `(idle)` (ms): the CPU the process used. */
  busyMs: number;
  idlePct: number;
  topFrames: ProfileEntry[];
  /** Self time grouped by npm package (or `node:` internals, `(gc)`, this project's code). */
  byPackage: ProfileEntry[];
}

function where(url: string): string {
  const nested = url.lastIndexOf('node_modules/');
  if (nested >= 0) return /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url.slice(nested))?.[1] ?? url;
  if (url.startsWith('node:')) return 'node (internals)';
  if (url.includes('/dist/libs/x402/')) return 'nestjs-x402 (libs/x402)';
  if (url.includes('/dist/')) return 'this repo (apps, bench)';
  return url ? url : '(native/vm)';
}

function shortUrl(url: string): string {
  const nested = url.lastIndexOf('node_modules/');
  if (nested >= 0) return url.slice(nested + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  return dist >= 0 ? url.slice(dist + 1) : url.replace(/^file:\/\//, '');
}

/** Reads a V8 `.cpuprofile` and sums self time per frame and per package. */
export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let idle = 0;
  let total = 0;
  const frames = new Map<string, number>();
  const packages = new Map<string, number>();
  for (const [id, us] of selfUs) {
    total += us;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const special = functionName.startsWith('(');
    const frame = special ? functionName : `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
    frames.set(frame, (frames.get(frame) ?? 0) + us);
    const pkg = special ? functionName : where(url);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
  }
  const busy = total - idle;
  const rank = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfPct: Math.round((us / busy) * 1000) / 10 }));
  return { busyMs: Math.round(busy / 1000), idlePct: total ? Math.round((idle / total) * 1000) / 10 : 0, topFrames: rank(frames), byPackage: rank(packages) };
}
