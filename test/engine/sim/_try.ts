import { exploreSim, coverageTable } from './property.js';
const t = Date.now();
const r = await exploreSim(Number(process.argv[2] ?? 20), { seed: Number(process.argv[3] ?? 42) });
for (const rep of r.reports) console.log(rep + '\n');
console.log(coverageTable(r.coverage));
console.log(r.runs, r.failures, (Date.now() - t) / 1000, 's', [...r.kinds]);
