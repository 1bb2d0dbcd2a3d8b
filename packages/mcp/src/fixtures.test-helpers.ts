/**
 * Inputs shared by the MCP tests: a RAG-shaped text with one answer passage, and an OpenAI chat with tool calls.
 * @module
 */

const TOPICS = [
  'The city council met on Tuesday to discuss the new budget for road repairs and the maintenance of public parks across the northern districts.',
  'Researchers studying coral reefs found that water temperature changes affected the colour of several species during the summer months.',
  'The museum opened a new wing dedicated to medieval manuscripts, with illuminated pages borrowed from three European libraries.',
  'Local farmers reported an early harvest of apples this year, attributing the change to a mild spring and fewer late frosts.',
  'A software team rewrote its billing service in a new language to reduce latency during the busiest hours of the month.',
  'The orchestra announced a season of contemporary works, including two premieres commissioned from young composers.',
];

/** The passage that answers QUESTION. */
export const ANSWER = 'The tower elevator at Pier 7 was installed by the Halvorsen Lift Company in 1931 and carries twelve passengers.';
export const QUESTION = 'Who installed the tower elevator at Pier 7?';

/** Twelve filler paragraphs with the answer in the middle. */
export function ragText(): string {
  const paragraphs: string[] = [];
  for (let i = 0; i < 12; i++) {
    paragraphs.push(`${TOPICS[i % TOPICS.length]} ${TOPICS[(i + 2) % TOPICS.length]}`);
    if (i === 6) paragraphs.push(ANSWER);
  }
  return paragraphs.join('\n\n');
}

/** An OpenAI-format agent history: two tool calls with long results, then a question. */
export function chatWithToolCalls(): unknown[] {
  const long = (label: string): string => Array.from({ length: 20 }, (_, i) => `${label} line ${i}: ${TOPICS[i % TOPICS.length]}`).join('\n');
  return [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Look up the parks budget and the coral study.' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: { name: 'search', arguments: '{"q":"parks budget"}' } },
        { id: 'call_2', type: 'function', function: { name: 'search', arguments: '{"q":"coral"}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_1', content: long('parks') },
    { role: 'tool', tool_call_id: 'call_2', content: long('coral') },
    { role: 'assistant', content: 'I found both. The council discussed road repairs and parks; the reef study looked at temperature.' },
    { role: 'user', content: 'What did the coral study find about colour?' },
  ];
}

/** Every tool call has its result and every result its call (OpenAI format). */
export function toolPairsValid(messages: readonly unknown[]): boolean {
  const calls = new Set<string>();
  const results = new Set<string>();
  for (const message of messages as { role: string; tool_calls?: { id: string }[]; tool_call_id?: string }[]) {
    for (const call of message.tool_calls ?? []) calls.add(call.id);
    if (message.role === 'tool' && message.tool_call_id !== undefined) results.add(message.tool_call_id);
  }
  return calls.size === results.size && [...calls].every((id) => results.has(id));
}

export const TS_FILE = `export function add(a: number, b: number): number {
  return a + b;
}

export function parseInvoice(text: string): { total: number; lines: string[] } {
  const lines = text.split('\\n').filter((line) => line.trim() !== '');
  let total = 0;
  for (const line of lines) {
    const match = /(\\d+\\.\\d{2})$/.exec(line);
    if (match) total += Number(match[1]);
  }
  return { total, lines };
}

export class Greeter {
  constructor(private readonly name: string) {}
  greet(): string {
    return 'Hello, ' + this.name + '! Welcome to the application, we hope you enjoy your stay here.';
  }
  farewell(): string {
    return 'Goodbye, ' + this.name + '. Thank you for visiting, and come back soon for more.';
  }
}
`;
