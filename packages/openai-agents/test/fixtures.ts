/**
 * Test fixtures: passages on unrelated topics (one of them answers the question), a scripted Agents SDK model that
 * records what it receives, and checks of model inputs.
 */
import { Usage } from '@openai/agents';
import type { AgentInputItem, AgentOutputItem, Model, ModelProvider, ModelRequest, ModelResponse, StreamEvent } from '@openai/agents';
import { countChatTokens, getTokenizer } from '@ctxpress/node';
import { responsesView } from '../src/index.js';

export const QUESTION = 'What limits the battery life of the Aurora rover at night?';
/** The sentence that answers QUESTION. */
export const ANSWER =
  'The battery life of the Aurora rover at night is limited by the survival heater, which draws 40 watts to keep the electronics above minus 30 degrees.';

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

/** What the model of one call received. */
export interface Received {
  readonly instructions: string | undefined;
  readonly input: AgentInputItem[];
}

/** One scripted model turn: a function call or a final text. */
export type Step = { readonly call: string; readonly args: Record<string, unknown> } | { readonly text: string };

let calls = 0; // call ids unique across models, as a real model's are

/**
 * An Agents SDK `Model` that answers from a script (a function call, …, then a final message; the last step repeats)
 * and records every request's instructions and input (a deep copy, as the model received it).
 */
export class ScriptedModel implements Model {
  readonly received: Received[] = [];
  #next = 0;
  constructor(private readonly script: readonly Step[]) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const input: AgentInputItem[] = typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : structuredClone(request.input);
    this.received.push({ instructions: request.systemInstructions, input });
    const step = this.script[Math.min(this.#next, this.script.length - 1)]!;
    const n = this.#next++;
    const output: AgentOutputItem[] =
      'call' in step
        ? [{ type: 'function_call', callId: `call_${++calls}`, name: step.call, arguments: JSON.stringify(step.args), status: 'completed' }]
        : [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: step.text }] }];
    return { usage: new Usage(), output, responseId: `resp_${n}` };
  }

  /** The same script, streamed: the text as one delta, then `response_done`. */
  async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
    const response = await this.getResponse(request);
    const text = response.output.flatMap((item) =>
      item.type === 'message' && item.role === 'assistant' ? item.content.map((part) => (part.type === 'output_text' ? part.text : '')) : [],
    );
    if (text.length > 0) yield { type: 'output_text_delta', delta: text.join('') };
    const usage = { requests: 1, inputTokens: 0, outputTokens: 0, totalTokens: 0 };
    yield { type: 'response_done', response: { id: response.responseId!, usage, output: response.output } } as StreamEvent;
  }
}

/** A ModelProvider that hands out one model for every name, remembering the names asked for. */
export class OneModelProvider implements ModelProvider {
  readonly names: (string | undefined)[] = [];
  constructor(readonly model: Model) {}
  getModel(name?: string): Model {
    this.names.push(name);
    return this.model;
  }
}

/** Tokens of a model input as the filter counts them (instructions as the system prompt). */
export async function inputTokens(received: Received, tokenizer = 'o200k_base', mediaTokens = 1000): Promise<number> {
  return countChatTokens(received.input.map(responsesView), {
    tokenizer: await getTokenizer(tokenizer),
    format: 'openai-responses',
    mediaTokens,
    ...(received.instructions !== undefined ? { system: received.instructions } : {}),
  });
}

/** The text of one item: message text parts, function call result text. */
export function itemText(item: AgentInputItem): string {
  const raw = item as Record<string, unknown>;
  const parts = (value: unknown): string[] =>
    typeof value === 'string'
      ? [value]
      : Array.isArray(value)
        ? value.flatMap((p: Record<string, unknown>) => (typeof p['text'] === 'string' ? [p['text']] : typeof p['refusal'] === 'string' ? [p['refusal']] : []))
        : typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)['text'] === 'string'
          ? [(value as Record<string, string>)['text']!]
          : [];
  if (raw['type'] === 'function_call_result') return parts(raw['output']).join('\n');
  if (raw['type'] === undefined || raw['type'] === 'message') return parts(raw['content']).join('\n');
  return '';
}

/** All text of an input, joined. */
export function inputText(input: readonly AgentInputItem[]): string {
  return input
    .map(itemText)
    .filter((t) => t !== '')
    .join('\n');
}

/**
 * Problems with the tool pairing of an input: every function_call needs a function_call_result with its callId after
 * it, before the next message, and every result such a call. Empty when the input is valid.
 */
export function pairingProblems(input: readonly AgentInputItem[]): string[] {
  const problems: string[] = [];
  let open = new Set<string>();
  for (const [i, item] of input.entries()) {
    if (item.type === 'function_call') {
      open.add(item.callId);
    } else if (item.type === 'function_call_result') {
      if (!open.delete(item.callId)) problems.push(`item ${i}: orphan result ${item.callId}`);
    } else if (item.type === undefined || item.type === 'message') {
      if (open.size > 0) problems.push(`item ${i}: calls ${[...open].join(', ')} have no result`);
      open = new Set();
    }
  }
  if (open.size > 0) problems.push(`end: calls ${[...open].join(', ')} have no result`);
  return problems;
}
