/**
 * Test fixtures: passages on unrelated topics (one of them answers the question), and helpers that build mock results
 * and check prompts.
 */
import type { CallOptions } from '../src/index.js';

type Prompt = CallOptions['prompt'];

export const QUESTION = 'What limits the battery life of the Aurora rover at night?';
/** The sentence that answers QUESTION. */
export const ANSWER = 'The battery life of the Aurora rover at night is limited by the survival heater, which draws 40 watts to keep the electronics above minus 30 degrees.';

const TOPICS: Record<string, string[]> = {
  sourdough: [
    'A sourdough starter is a culture of wild yeast and lactic acid bacteria kept alive with flour and water.',
    'Bakers feed the starter once or twice a day, discarding part of it so the acidity does not climb too high.',
    'A young starter smells of fresh apples, while an old neglected one smells sharply of acetone.',
    'Hydration, the ratio of water to flour, changes how open the crumb of the finished loaf becomes.',
    'The dough rests overnight in a cool place so that flavour develops slowly during bulk fermentation.',
    'Scoring the loaf with a razor blade lets steam escape and controls where the crust will burst open.',
  ],
  chess: [
    'The Sicilian Defence begins with the moves e4 and c5 and leads to sharp, unbalanced positions.',
    'Club players often study endgames with a king and pawn against a king to learn the opposition.',
    'A fianchettoed bishop on g2 controls the long diagonal and supports a later central pawn break.',
    'Time controls in rapid tournaments give each player fifteen minutes plus a ten second increment.',
    'Opening preparation with engines has pushed many grandmaster games deep into known theory.',
    'A zugzwang is a position where any move a player makes worsens their situation on the board.',
  ],
  rover: [
    'The Aurora rover landed in the northern plains and has driven eleven kilometres since touchdown.',
    'Its mast camera photographs layered rocks that geologists read as signs of an ancient lake bed.',
    ANSWER,
    'During the day the solar array recharges the lithium batteries, but dust storms cut its output in half.',
    'Engineers on Earth plan each drive the evening before, because radio signals take minutes to arrive.',
    'The robotic arm carries a drill that collects powdered rock samples for the onboard laboratory.',
  ],
  tax: [
    'Quarterly estimated tax payments are due in April, June, September and January of the following year.',
    'Freelancers deduct a home office only when the space is used regularly and exclusively for work.',
    'Receipts for business travel should record the date, the purpose of the trip and who attended.',
    'Capital gains on assets held longer than a year are taxed at a lower rate than ordinary income.',
    'An amended return corrects mistakes on a filing that was already accepted by the tax authority.',
    'Retirement account contributions made before the filing deadline can still count for the previous year.',
  ],
  orchids: [
    'Moth orchids prefer bright indirect light and suffer leaf burn when placed in direct afternoon sun.',
    'Water the bark mix only when it is nearly dry, since soggy roots rot within a few weeks.',
    'Aerial roots that climb out of the pot are normal and should not be cut away.',
    'A drop in night temperature of about five degrees in autumn encourages a new flower spike.',
    'Repot every two years after flowering, trimming dead roots with sterilised scissors.',
    'Yellowing lower leaves are usually old leaves being shed, not a sign of disease.',
  ],
  databases: [
    'A B-tree index keeps keys sorted so that range queries touch only a few pages on disk.',
    'Write-ahead logging records every change before it reaches the data files, which makes crash recovery possible.',
    'Vacuuming reclaims space from rows that were deleted or updated under multiversion concurrency control.',
    'A query planner estimates row counts from table statistics to choose between a scan and an index lookup.',
    'Replication slots keep old log segments until every replica has consumed them.',
    'Connection pooling limits how many backend processes the server must keep open at once.',
  ],
};

/** The passages, one paragraph per topic, each with a heading; the rover passage is in the middle. */
export function documents(): string {
  return Object.entries(TOPICS)
    .map(([topic, sentences], i) => `Document ${i + 1}: ${topic}\n${sentences.join(' ')} ${sentences.slice(0, 4).reverse().join(' ')}`)
    .join('\n\n');
}

/** A long tool result about one topic (its sentences repeated with numbered notes). */
export function toolOutput(topic: keyof typeof TOPICS | string): string {
  const sentences = TOPICS[topic] ?? TOPICS['databases']!;
  const lines: string[] = [];
  for (let i = 0; i < 4; i++) for (const s of sentences) lines.push(`Note ${lines.length + 1}: ${s}`);
  return lines.join('\n');
}

export const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

export function textResult(text: string) {
  return { content: [{ type: 'text' as const, text }], finishReason: { unified: 'stop' as const, raw: 'stop' }, usage, warnings: [] };
}

export function toolCallResult(toolCallId: string, toolName: string, input: unknown) {
  return {
    content: [{ type: 'tool-call' as const, toolCallId, toolName, input: JSON.stringify(input) }],
    finishReason: { unified: 'tool-calls' as const, raw: 'tool_calls' },
    usage,
    warnings: [],
  };
}

/** All text of a prompt's text parts, text tool results and string system content, joined. */
export function promptText(prompt: Prompt): string {
  const out: string[] = [];
  for (const m of prompt) {
    if (typeof m.content === 'string') out.push(m.content);
    else
      for (const p of m.content) {
        if (p.type === 'text') out.push(p.text);
        else if (p.type === 'tool-result' && p.output.type === 'text') out.push(p.output.value);
      }
  }
  return out.join('\n');
}

/**
 * Problems with the tool pairing of a prompt: every assistant tool-call needs a tool-result with its id in the tool
 * message(s) right after it, and every tool-result needs such a call. Empty when the prompt is valid.
 */
export function pairingProblems(prompt: Prompt): string[] {
  const problems: string[] = [];
  let open = new Set<string>();
  for (const [i, m] of prompt.entries()) {
    if (m.role === 'tool') {
      for (const p of m.content) {
        if (p.type !== 'tool-result') continue;
        if (!open.delete(p.toolCallId)) problems.push(`message ${i}: orphan result ${p.toolCallId}`);
      }
      continue;
    }
    if (open.size > 0) problems.push(`message ${i}: calls ${[...open].join(', ')} have no result`);
    open = new Set();
    if (m.role === 'assistant') for (const p of m.content) if (p.type === 'tool-call' && p.providerExecuted !== true) open.add(p.toolCallId);
  }
  if (open.size > 0) problems.push(`end: calls ${[...open].join(', ')} have no result`);
  return problems;
}
