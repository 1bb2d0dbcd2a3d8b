/**
 * Presentation of results: Markdown tables and the SVG plot, written by hand (no dependencies).
 * Results stay data (numbers) in the JSON files; formatting happens only here.
 * @module
 */
import { QA_TASK_KINDS } from './data.js';
import type { CheckCell, QualityMean, QualityRow } from './quality.js';
import type { SpeedRow } from './speed.js';

const QA_LABEL = `QA tasks = ${QA_TASK_KINDS.join(', ')}`;

export function table(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r' | 'c')[]): string {
  const rule = header.map((_, index) => {
    const side = align?.[index] ?? (index === 0 ? 'l' : 'r');
    return side === 'l' ? '---' : side === 'r' ? '---:' : ':---:';
  });
  return [header, rule, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

const fixed = (value: number | null | undefined, digits = 3): string => (value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits));

function rowFor(rows: readonly QualityRow[], task: string, method: string, ratio: number): QualityRow | undefined {
  return rows.find((row) => row.task === task && row.method === method && row.ratio === ratio);
}

interface QualityReportInput {
  readonly rows: readonly QualityRow[];
  readonly means: readonly QualityMean[];
  readonly check: readonly CheckCell[];
  readonly methods: readonly { readonly name: string; readonly description: string }[];
  readonly ratios: readonly number[];
  readonly checkRatios: readonly number[];
  readonly tasks: readonly { readonly name: string; readonly kind: string }[];
}

/** One table per measure: rows = tasks (+ means), columns = method@ratio. */
export function qualityTables(input: QualityReportInput): { answer: string; supporting: string; ratio: string; time: string } {
  const { rows, means, methods, ratios, tasks } = input;
  const columns = methods.flatMap((method) => ratios.map((ratio) => ({ method: method.name, ratio })));
  const header = ['task', ...columns.map(({ method, ratio }) => `${method}@${ratio}x`)];
  const taskLabel = (task: { name: string; kind: string }, count: (row: QualityRow) => number): string => {
    const first = rows.find((row) => row.task === task.name);
    return `${task.name} (${task.kind}, n=${first === undefined ? 0 : count(first)})`;
  };
  const meanCell = (method: string, ratio: number, pick: (mean: QualityMean) => number | null): string =>
    `**${fixed(pick(means.find((mean) => mean.method === method && mean.ratio === ratio) as QualityMean))}**`;

  const answerTasks = tasks.filter((task) => rows.some((row) => row.task === task.name && row.answerRetention !== null));
  const answer = table(header, [
    ...answerTasks.map((task) => [
      taskLabel(task, (row) => row.nAnswer),
      ...columns.map(({ method, ratio }) => fixed(rowFor(rows, task.name, method, ratio)?.answerRetention)),
    ]),
    [`**mean (${QA_LABEL})**`, ...columns.map(({ method, ratio }) => meanCell(method, ratio, (mean) => mean.answerRetentionQa))],
  ]);

  const supporting = table(header, [
    ...tasks.map((task) => [
      taskLabel(task, (row) => row.nSupporting),
      ...columns.map(({ method, ratio }) => fixed(rowFor(rows, task.name, method, ratio)?.supportingRetention)),
    ]),
    [`**mean (${QA_LABEL})**`, ...columns.map(({ method, ratio }) => meanCell(method, ratio, (mean) => mean.supportingRetentionQa))],
    ['**mean (all tasks)**', ...columns.map(({ method, ratio }) => meanCell(method, ratio, (mean) => mean.supportingRetentionAll))],
  ]);

  const ratio = table(header, [
    ...tasks.map((task) => [
      taskLabel(task, (row) => row.n),
      ...columns.map(({ method, ratio: requested }) => {
        const row = rowFor(rows, task.name, method, requested);
        if (row === undefined) return '–';
        const flags = `${row.violations > 0 ? ` ⚠${row.violations} over budget` : ''}${row.errors > 0 ? ` ⚠${row.errors} errors` : ''}`;
        return `${fixed(row.achievedRatio, 2)} (min ${fixed(row.minAchievedRatio, 2)})${flags}`;
      }),
    ]),
  ]);

  const time = table(header, [
    ...tasks.map((task) => [taskLabel(task, (row) => row.n), ...columns.map(({ method, ratio: requested }) => fixed(rowFor(rows, task.name, method, requested)?.meanMs, 1))]),
  ]);
  return { answer, supporting, ratio, time };
}

/** ✓ beats every baseline, = ties the best one, ✗ loses; the cell also shows the margin and the strongest baseline. */
export function checkTable(check: readonly CheckCell[], tasks: readonly { readonly name: string }[], ratios: readonly number[]): string {
  const measures = ['answer', 'supporting'] as const;
  const header = ['task', ...ratios.flatMap((ratio) => measures.map((measure) => `${ratio}x ${measure}`))];
  const rows = tasks.map((task) => [
    task.name,
    ...ratios.flatMap((ratio) =>
      measures.map((measure) => {
        const cell = check.find((candidate) => candidate.task === task.name && candidate.ratio === ratio && candidate.measure === measure);
        if (cell === undefined) return '–';
        const margin = cell.ctxpress - cell.baselineValue;
        return `${cell.mark} ${margin >= 0 ? '+' : ''}${margin.toFixed(3)} vs ${cell.baseline}`;
      }),
    ),
  ]);
  const counted = check.filter((cell) => ratios.includes(cell.ratio));
  const wins = counted.filter((cell) => cell.mark === '✓').length;
  const ties = counted.filter((cell) => cell.mark === '=').length;
  return `${table(header, rows, header.map((_, index) => (index === 0 ? 'l' : 'c')))}\n\nctxpress beats every baseline in ${wins}/${counted.length} cells (${ties} ties, ${counted.length - wins - ties} losses).`;
}

export function stageTable(rows: readonly QualityRow[], method: string, tasks: readonly { readonly name: string }[]): string | undefined {
  const selected = rows.filter((row) => row.method === method && row.stageMs !== undefined);
  if (selected.length === 0) return undefined;
  const stages = [...new Set(selected.flatMap((row) => Object.keys(row.stageMs ?? {})))];
  const body = tasks.flatMap((task) => {
    const taskRows = selected.filter((row) => row.task === task.name);
    if (taskRows.length === 0) return [];
    const meanOf = (stage: string): number => taskRows.reduce((sum, row) => sum + (row.stageMs?.[stage] ?? 0), 0) / taskRows.length;
    return [[task.name, ...stages.map((stage) => fixed(meanOf(stage), 2)), fixed(taskRows.reduce((sum, row) => sum + (row.meanMs ?? 0), 0) / taskRows.length, 1)]];
  });
  return table(['task', ...stages.map((stage) => `${stage} ms`), 'total ms (wall)'], body);
}

export function qualityMarkdown(input: QualityReportInput & { readonly environment: string; readonly settings: string; readonly problems: string; readonly crossCheck: string }): string {
  const tables = qualityTables(input);
  const stages = stageTable(input.rows, 'ctxpress', input.tasks);
  return [
    '# ctxpress quality benchmark',
    '',
    input.environment,
    '',
    input.settings,
    '',
    'Budget = floor(original tokens / ratio) in o200k_base, the same for every method; every compress() output is recounted by the harness (baselines count their final text exactly).',
    'Scoring as in shared/data/README.md (normalised substring match). Methods:',
    '',
    ...input.methods.map((method) => `- \`${method.name}\`: ${method.description}`),
    '',
    `## Answer retention (examples with non-empty answers; ${QA_LABEL})`,
    '',
    tables.answer,
    '',
    '## Supporting retention (fraction of supporting strings kept; needle: the needle sentence)',
    '',
    tables.supporting,
    '',
    ...(input.methods.some((method) => method.name.includes('prune'))
      ? [
          'Word pruning deletes words inside kept sentences, so a whole supporting sentence rarely survives as a substring: `ctxpress+prune` scores near 0 on this measure by construction. Read its answer retention instead.',
          '',
        ]
      : []),
    `## Does ctxpress beat every baseline (${input.checkRatios.map((ratio) => `${ratio}x`).join(', ')})?`,
    '',
    checkTable(input.check, input.tasks, input.checkRatios),
    '',
    '## Achieved ratio (mean original / compressed tokens; min over examples; must be ≥ requested)',
    '',
    tables.ratio,
    '',
    input.problems,
    '',
    '## Time per example (ms, mean; baselines include their shared segmentation and scoring; 2 worker threads share 2 cores)',
    '',
    tables.time,
    '',
    ...(stages === undefined ? [] : ['## ctxpress stages (mean ms per call, all ratios; from `result.timings`)', '', stages, '']),
    '## Library cross-check',
    '',
    input.crossCheck,
    '',
  ].join('\n');
}

export function speedMarkdown(rows: readonly SpeedRow[], environment: string, query: string): string {
  const stages = [...new Set(rows.flatMap((row) => Object.keys(row.stageMs ?? {})))];
  const tokenLabel = (tokens: number): string => (tokens >= 1_000_000 ? `${tokens / 1_000_000}M` : tokens >= 1000 ? `${tokens / 1000}k` : String(tokens));
  // adversarial rows (issue 9): what the input is, its tokenizer when not o200k_base, its ratio to the group's prose
  const sizeLabel = (tokens: number, row?: SpeedRow): string => {
    if (row?.input === undefined) return tokenLabel(tokens);
    const what = row.input.kind === 'run' ? 'one-letter run' : row.input.kind === 'cjk' ? 'CJK, no punctuation' : 'prose';
    const vs =
      row.compressVsProse === undefined
        ? ''
        : ` (vs prose, per character: compress ${fixed(row.compressVsProse, 2)}×, tokenize ${fixed(row.tokenizeVsProse, 2)}×)`;
    const tokenizer = row.input.tokenizer === undefined ? '' : `${row.input.tokenizer}: `;
    return `${tokenizer}${what}, ${row.input.chars.toLocaleString('en-US')} chars${vs}`;
  };
  const main = table(
    ['size', 'input tokens', 'runs', 'compress ms (median)', 'tokenize ms (median)', 'compress / tokenize', 'compress tokens/s', 'peak RSS MB', 'RSS before compress MB', 'output / budget tokens'],
    rows.map((row) =>
      row.status !== 'ok'
        ? [sizeLabel(row.targetTokens, row), `**${row.status}**: ${row.error ?? ''}`, '', '', '', '', '', '', '', '']
        : [
            sizeLabel(row.targetTokens, row),
            String(row.inputTokens),
            String(row.runs),
            fixed(row.compressMs, 1),
            fixed(row.tokenizeMs, 1),
            fixed(row.compressToTokenize, 2),
            Math.round(row.compressTokensPerSecond ?? 0).toLocaleString('en-US'),
            fixed(row.peakRssMB, 0),
            fixed(row.baselineRssMB, 0),
            `${row.outputTokens} / ${row.budgetTokens}`,
          ],
    ),
  );
  const stageRows = rows.filter((row) => row.status === 'ok');
  const stageMarkdown = table(
    ['size', ...stages.map((stage) => `${stage} ms`)],
    stageRows.map((row) => [sizeLabel(row.targetTokens, row), ...stages.map((stage) => fixed(row.stageMs?.[stage], 1))]),
  );
  const at100k = rows.find((row) => row.targetTokens === 100_000 && row.status === 'ok' && row.input === undefined);
  const at1m = rows.find((row) => row.targetTokens === 1_000_000 && row.status === 'ok' && row.input === undefined);
  const targets = [
    at100k === undefined ? '- compress / tokenize at 100k: not measured' : `- compress / tokenize at 100k: ${fixed(at100k.compressToTokenize, 2)} (target ≤ 3) ${(at100k.compressToTokenize ?? Infinity) <= 3 ? '✓' : '✗'}`,
    at1m === undefined ? '- peak RSS at 1M: not measured' : `- peak RSS at 1M: ${fixed(at1m.peakRssMB, 0)} MB (target < 1024 MB) ${(at1m.peakRssMB ?? Infinity) < 1024 ? '✓' : '✗'}`,
  ];
  return [
    '# ctxpress speed benchmark',
    '',
    environment,
    '',
    `End-to-end \`compress()\` (budget ratio 10, o200k_base, query: "${query}") on real text from shared/data (a Paul Graham haystack, SQuAD articles, QMSum meetings, LoCoMo conversations, HotpotQA paragraphs; cycled when longer than the pool). Each size runs in its own child process: a warm-up on a different input of the same size (repeated for up to 0.5 s at small sizes), then the median of the runs, timed alternately with the tokenizer. Peak RSS is the child's \`process.resourceUsage().maxRSS\`; "RSS before compress" is the same after loading the tokenizer and building the inputs. "tokenize" is \`tokenizer.count(wholeText)\` on the same input. Rows marked llama3 use the Llama 3 tokenizer instead.`,
    '',
    main,
    '',
    ...targets,
    '',
    '## Stages (median ms, from `result.timings`)',
    '',
    stageMarkdown,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// SVG

const COLORS: Readonly<Record<string, string>> = {
  ctxpress: '#d62728',
  'ctxpress+prune': '#ff7f0e',
  'ctxpress-noquery': '#9467bd',
  bm25: '#1f77b4',
  head: '#7f7f7f',
  random: '#2ca02c',
};
const FALLBACK_COLORS = ['#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface PlotSeries {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number | null }[];
}

export interface PlotPanel {
  readonly title: string;
  /** A second, smaller line under the title. */
  readonly note?: string;
  readonly series: readonly PlotSeries[];
}

const num = (value: number): string => (Math.round(value * 10) / 10).toString();

/** Panels side by side; x is a log scale over the given ratios, y is 0..1. */
export function retentionSvg(panels: readonly PlotPanel[], ratios: readonly number[], subtitle: string): string {
  const panelWidth = 500;
  const panelHeight = 390;
  const margin = { left: 60, right: 36, top: 84, bottom: 48 };
  const legendHeight = 28;
  const width = panelWidth * panels.length;
  const height = panelHeight + legendHeight + 24;
  const plotWidth = panelWidth - margin.left - margin.right;
  const plotHeight = panelHeight - margin.top - margin.bottom;
  const low = Math.log(Math.min(...ratios));
  const high = Math.log(Math.max(...ratios));
  const span = high - low || 1;
  const names = [...new Set(panels.flatMap((panel) => panel.series.map((series) => series.name)))];
  const color = (name: string): string => COLORS[name] ?? FALLBACK_COLORS[names.indexOf(name) % FALLBACK_COLORS.length] ?? '#000000';
  const dashed = (name: string): string => (name.includes('+') ? ' stroke-dasharray="6 4"' : '');

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="14" font-weight="bold">Retention vs compression ratio</text>`,
    `<text x="${width / 2}" y="34" text-anchor="middle" fill="#555555">${escapeXml(subtitle)}</text>`,
  ];
  panels.forEach((panel, panelIndex) => {
    const originX = panelIndex * panelWidth + margin.left;
    const originY = margin.top;
    const x = (ratio: number): number => originX + ((Math.log(ratio) - low) / span) * plotWidth;
    const y = (value: number): number => originY + (1 - value) * plotHeight;
    parts.push(`<g>`);
    parts.push(`<text x="${num(originX + plotWidth / 2)}" y="${originY - 24}" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(panel.title)}</text>`);
    if (panel.note !== undefined) parts.push(`<text x="${num(originX + plotWidth / 2)}" y="${originY - 9}" text-anchor="middle" fill="#555555">${escapeXml(panel.note)}</text>`);
    for (let tick = 0; tick <= 5; tick++) {
      const value = tick / 5;
      parts.push(`<line x1="${originX}" y1="${num(y(value))}" x2="${originX + plotWidth}" y2="${num(y(value))}" stroke="#e5e5e5"/>`);
      parts.push(`<text x="${originX - 6}" y="${num(y(value) + 4)}" text-anchor="end">${value.toFixed(1)}</text>`);
    }
    for (const ratio of ratios) {
      parts.push(`<line x1="${num(x(ratio))}" y1="${originY}" x2="${num(x(ratio))}" y2="${originY + plotHeight}" stroke="#f0f0f0"/>`);
      parts.push(`<line x1="${num(x(ratio))}" y1="${originY + plotHeight}" x2="${num(x(ratio))}" y2="${originY + plotHeight + 5}" stroke="#333333"/>`);
      parts.push(`<text x="${num(x(ratio))}" y="${originY + plotHeight + 18}" text-anchor="middle">${ratio}×</text>`);
    }
    parts.push(`<rect x="${originX}" y="${originY}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333333"/>`);
    parts.push(`<text x="${num(originX + plotWidth / 2)}" y="${originY + plotHeight + 36}" text-anchor="middle">requested compression ratio (log scale)</text>`);
    parts.push(`<text transform="translate(${originX - 40} ${num(originY + plotHeight / 2)}) rotate(-90)" text-anchor="middle">mean retention</text>`);
    for (const series of panel.series) {
      const points = series.points.filter((point): point is { x: number; y: number } => point.y !== null);
      if (points.length === 0) continue;
      const path = points.map((point) => `${num(x(point.x))},${num(y(point.y))}`).join(' ');
      parts.push(`<polyline points="${path}" fill="none" stroke="${color(series.name)}" stroke-width="2"${dashed(series.name)}/>`);
      for (const point of points) {
        parts.push(`<circle cx="${num(x(point.x))}" cy="${num(y(point.y))}" r="3.5" fill="${color(series.name)}"><title>${escapeXml(`${series.name} @ ${point.x}x: ${point.y.toFixed(3)}`)}</title></circle>`);
      }
    }
    parts.push(`</g>`);
  });
  const legendY = panelHeight + 14;
  const itemWidths = names.map((name) => 44 + name.length * 7);
  const legendWidth = itemWidths.reduce((sum, itemWidth) => sum + itemWidth, 0);
  let left = (width - legendWidth) / 2;
  names.forEach((name, index) => {
    if (index > 0) left += itemWidths[index - 1] ?? 0;
    parts.push(`<line x1="${num(left)}" y1="${legendY}" x2="${num(left + 28)}" y2="${legendY}" stroke="${color(name)}" stroke-width="2"${dashed(name)}/>`);
    parts.push(`<circle cx="${num(left + 14)}" cy="${legendY}" r="3.5" fill="${color(name)}"/>`);
    parts.push(`<text x="${num(left + 34)}" y="${legendY + 4}">${escapeXml(name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
