/**
 * `node dist/bench/rerender.js [results.json]`: recomputes the ratios and targets of a results file with the
 * current report code and writes its Markdown beside it (e.g. after a change of the report, without a new run).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { addRatios, evaluateTargets, renderMarkdown, type BenchReport } from './report.js';

const file = process.argv[2] ?? 'bench/results/latest.json';
const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
addRatios(report.runs);
report.targets = evaluateTargets(report.runs, report.servers);
writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
writeFileSync(file.replace(/\.json$/, '.md'), renderMarkdown(report));
console.log(`wrote ${file.replace(/\.json$/, '.md')}`);
