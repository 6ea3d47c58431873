/**
 * `npm run bench`: every benchmark in one process and one run, so figures with a baseline are
 * compared under the same machine load. `npm run bench -- --json FILE` also writes the figures as
 * `[{"name","value","unit","baseline","ratio"}]`; later issues append their benchmarks here.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { aggregateBench } from './aggregate.js';
import { addsBench } from './aggregate-adds.js';
import { bundlesBench } from './bundles.js';
import { closeBench } from './close.js';
import { decodeBench } from './decode.js';
import { groupByBench } from './group-by.js';
import { ingestLocalBench } from './ingest-local.js';
import { pipelineBench } from './pipeline.js';
import type { BenchFigure } from './report.js';
import { sketchBench } from './sketch.js';

const { values } = parseArgs({
  options: { json: { type: 'string' }, only: { type: 'string' } },
  strict: true,
});

const suites: Record<string, () => BenchFigure[] | Promise<BenchFigure[]>> = {
  pipeline: pipelineBench,
  decode: decodeBench,
  sketch: sketchBench,
  aggregate: aggregateBench,
  adds: addsBench,
  ingest: ingestLocalBench,
  close: closeBench,
  groupby: groupByBench,
  bundles: bundlesBench,
};

const figures: BenchFigure[] = [];
for (const [name, run] of Object.entries(suites)) {
  if (values.only !== undefined && !values.only.split(',').includes(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  figures.push(...(await run()));
}

const fmt = (n: number | undefined) =>
  n === undefined ? '' : Number(n.toPrecision(4)).toLocaleString('en-US');
const nameWidth = Math.max(...figures.map((f) => f.name.length));
console.log(
  `${'figure'.padEnd(nameWidth)}  ${'value'.padStart(14)}  unit         ${'baseline'.padStart(14)}  ratio`,
);
for (const f of figures) {
  console.log(
    `${f.name.padEnd(nameWidth)}  ${fmt(f.value).padStart(14)}  ${f.unit.padEnd(11)}  ${fmt(f.baseline).padStart(14)}  ${
      f.ratio === undefined ? '' : f.ratio.toFixed(3)
    }`,
  );
}
if (values.json !== undefined) {
  writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`wrote ${figures.length} figures to ${values.json}`);
}
