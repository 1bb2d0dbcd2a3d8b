import { Agent, Runner, run, setTracingDisabled, tool } from '@openai/agents';
import type { AgentInputItem, FunctionCallResultItem } from '@openai/agents';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANSWER, documents, inputText, inputTokens, OneModelProvider, pairingProblems, QUESTION, ScriptedModel, toolOutput } from '../test/fixtures.js';
import type { Step } from '../test/fixtures.js';
import { compressModelInput, ctxpressInputFilter, isCtxpressError, responsesView } from './index.js';
import type { CtxpressInputFilterOptions, CtxpressStats } from './index.js';

const INSTRUCTIONS = 'You are a careful research assistant. Use the search tool, then answer only from what it returned and cite the note.';

beforeAll(() => setTracingDisabled(true));

const searchTool = () =>
  tool({
    name: 'search',
    description: 'Search the notes on a topic.',
    parameters: { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'], additionalProperties: false },
    strict: true,
    execute: async (args) => toolOutput((args as { topic: string }).topic),
  });

function agentWith(model: ScriptedModel | string, name = 'Researcher') {
  return new Agent({ name, instructions: INSTRUCTIONS, model, tools: [searchTool()] });
}

const SCRIPT: Step[] = [
  { call: 'search', args: { topic: 'sourdough' } },
  { call: 'search', args: { topic: 'rover' } },
  { call: 'search', args: { topic: 'databases' } },
  { text: 'The survival heater (Note 3).' },
];

function lastUserText(input: readonly AgentInputItem[]): string {
  const users = input.filter((i) => 'role' in i && i.role === 'user');
  return inputText(users.slice(-1));
}

describe('ctxpressInputFilter options', () => {
  const code = (options: unknown): string | undefined => {
    try {
      ctxpressInputFilter(options as CtxpressInputFilterOptions);
      return undefined;
    } catch (error) {
      return isCtxpressError(error) ? error.code : 'not a CtxpressError';
    }
  };
  it('rejects bad options at construction, with a code', () => {
    expect(code(undefined)).toBe('INVALID_OPTION');
    expect(code({})).toBe('INVALID_BUDGET');
    expect(code({ budget: { tokens: 0 } })).toBe('INVALID_BUDGET');
    expect(code({ budget: { ratio: 0.5 } })).toBe('INVALID_BUDGET');
    expect(code({ budget: { tokens: 100 }, tokenizer: 'gpt-2-nonsense' })).toBe('UNKNOWN_TOKENIZER');
    expect(code({ budget: { tokens: 100 }, tokenizer: 42 })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, whenOverTokens: -1 })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, keep: 'secret' })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, query: 7 })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, onCompressed: 'log' })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, failOpen: 'yes' })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, keepLastTurns: 1.5 })).toBe('INVALID_OPTION');
    expect(code({ budget: { tokens: 100 }, tokenizer: 'gpt-4o', keep: ['x', /y/], whenOverTokens: 0 })).toBeUndefined();
    expect(ctxpressInputFilter({ budget: { ratio: 2 } }).preserveInputIdentity).toBe(true);
  });
});

describe('a real run() with a tool, over several turns', () => {
  it('every model call gets an input under the budget, question verbatim, calls paired, instructions intact', async () => {
    const model = new ScriptedModel(SCRIPT);
    const stats: CtxpressStats[] = [];
    const filter = ctxpressInputFilter({ budget: { tokens: 700 }, onCompressed: (s) => stats.push(s) });
    const result = await run(agentWith(model), QUESTION, { callModelInputFilter: filter });

    expect(result.finalOutput).toBe('The survival heater (Note 3).');
    expect(model.received).toHaveLength(4);
    expect(stats).toHaveLength(4);
    for (const [i, received] of model.received.entries()) {
      expect(received.instructions).toBe(INSTRUCTIONS);
      expect(await inputTokens(received)).toBeLessThanOrEqual(700);
      expect(lastUserText(received.input)).toBe(QUESTION);
      expect(pairingProblems(received.input)).toEqual([]);
      // every call the model made so far is still there, each with its result
      expect(received.input.filter((item) => item.type === 'function_call')).toHaveLength(i);
      expect(stats[i]).toMatchObject({ agent: 'Researcher', tokenizer: 'o200k_base' });
    }
    // the later turns were over the budget and were compressed; the rover notes (the answer) survive
    expect(stats[3]!.originalTokens).toBeGreaterThan(700);
    expect(stats[3]!.compressedTokens).toBeLessThan(stats[3]!.originalTokens!);
    expect(stats[3]!.mode).toBe('relevance');
    expect(inputText(model.received[3]!.input)).toContain(ANSWER);
    expect(inputText(model.received[3]!.input)).not.toContain('Scoring the loaf with a razor blade');

    // the run's own history is not touched by the filter: full tool outputs
    const results = result.history.filter((item): item is FunctionCallResultItem => item.type === 'function_call_result');
    expect(results.map((r) => (r.output as { text: string }).text)).toEqual(['sourdough', 'rover', 'databases'].map((t) => toolOutput(t)));
  });

  it('keeps compressing across runs that continue a conversation (result.history + a new question)', async () => {
    const model = new ScriptedModel(SCRIPT);
    const filter = ctxpressInputFilter({ budget: { tokens: 700 } });
    const first = await run(agentWith(model), 'What does a sourdough starter smell like?', { callModelInputFilter: filter });
    const second = new ScriptedModel([{ call: 'search', args: { topic: 'rover' } }, { text: 'The survival heater.' }]);
    const history: AgentInputItem[] = [...first.history, { role: 'user', content: QUESTION }];
    const stats: CtxpressStats[] = [];
    const result = await run(agentWith(second), history, {
      callModelInputFilter: ctxpressInputFilter({ budget: { tokens: 700 }, onCompressed: (s) => stats.push(s) }),
    });
    expect(stats.map((s) => s.mode)).toEqual(['relevance', 'relevance']);
    expect(stats[1]!.originalTokens).toBeGreaterThan(2000);
    expect(result.finalOutput).toBe('The survival heater.');
    for (const received of second.received) {
      expect(await inputTokens(received)).toBeLessThanOrEqual(700);
      expect(lastUserText(received.input)).toBe(QUESTION);
      expect(pairingProblems(received.input)).toEqual([]);
      expect(received.instructions).toBe(INSTRUCTIONS);
    }
    expect(inputText(second.received[1]!.input)).toContain(ANSWER);
  });

  it('works the same in a streamed run', async () => {
    const model = new ScriptedModel(SCRIPT);
    const stats: CtxpressStats[] = [];
    const result = await run(agentWith(model), QUESTION, {
      stream: true,
      callModelInputFilter: ctxpressInputFilter({ budget: { tokens: 700 }, onCompressed: (s) => stats.push(s) }),
    });
    let streamed = '';
    for await (const chunk of result.toTextStream()) streamed += chunk;
    await result.completed;
    expect(streamed).toBe('The survival heater (Note 3).');
    expect(model.received).toHaveLength(4);
    for (const received of model.received) {
      expect(await inputTokens(received)).toBeLessThanOrEqual(700);
      expect(lastUserText(received.input)).toBe(QUESTION);
      expect(pairingProblems(received.input)).toEqual([]);
    }
    expect(stats.at(-1)!.originalTokens).toBeGreaterThan(700);
    expect(inputText(model.received[3]!.input)).toContain(ANSWER);
  });

  it('takes the default tokenizer from the agent model name (Runner with a ModelProvider)', async () => {
    const model = new ScriptedModel([{ text: 'ok' }]);
    const provider = new OneModelProvider(model);
    const stats: CtxpressStats[] = [];
    const runner = new Runner({
      modelProvider: provider,
      tracingDisabled: true,
      callModelInputFilter: ctxpressInputFilter({ budget: { tokens: 400 }, onCompressed: (s) => stats.push(s) }),
    });
    await runner.run(agentWith('gpt-4', 'Classic'), `${documents()}\n\n${QUESTION}`);
    expect(provider.names).toEqual(['gpt-4']);
    expect(stats[0]).toMatchObject({ mode: 'relevance', agent: 'Classic', tokenizer: 'cl100k_base', budget: 400 });
    expect(await inputTokens(model.received[0]!, 'cl100k_base')).toBeLessThanOrEqual(400);
    // a Model object has no name: o200k_base
    const direct = new ScriptedModel([{ text: 'ok' }]);
    await run(agentWith(direct), `${documents()}\n\n${QUESTION}`, {
      callModelInputFilter: ctxpressInputFilter({ budget: { tokens: 400 }, onCompressed: (s) => stats.push(s) }),
    });
    expect(stats[1]).toMatchObject({ tokenizer: 'o200k_base' });
  });
});

describe('handoffs', () => {
  it('filters every agent of a run: the stats name the agent, the specialist gets the compressed input', async () => {
    const model = new ScriptedModel([
      { call: 'search', args: { topic: 'orchids' } },
      { call: 'transfer_to_Specialist', args: {} },
      { call: 'search', args: { topic: 'rover' } },
      { text: 'The survival heater.' },
    ]);
    const specialist = new Agent({ name: 'Specialist', instructions: 'You know rovers.', model, tools: [searchTool()] });
    const triage = new Agent({ name: 'Triage', instructions: INSTRUCTIONS, model, tools: [searchTool()], handoffs: [specialist] });
    const stats: CtxpressStats[] = [];
    const result = await run(triage, QUESTION, { callModelInputFilter: ctxpressInputFilter({ budget: { tokens: 700 }, onCompressed: (s) => stats.push(s) }) });
    expect(result.finalOutput).toBe('The survival heater.');
    expect(stats.map((s) => s.agent)).toEqual(['Triage', 'Triage', 'Specialist', 'Specialist']);
    for (const received of model.received) {
      expect(await inputTokens(received)).toBeLessThanOrEqual(700);
      expect(pairingProblems(received.input)).toEqual([]);
    }
    expect(stats[3]!.originalTokens).toBeGreaterThan(700);
    expect(model.received[3]!.instructions).toBe('You know rovers.');
    expect(inputText(model.received[3]!.input)).toContain(ANSWER);
  });
});

describe('RAG-shaped input', () => {
  it('documents pasted before the question: the answer passage and the question reach the model', async () => {
    const model = new ScriptedModel([{ text: 'The survival heater.' }]);
    const agent = new Agent({ name: 'Reader', instructions: 'Answer from the documents only.', model });
    const stats: CtxpressStats[] = [];
    await run(agent, `${documents()}\n\nQuestion: ${QUESTION}`, {
      callModelInputFilter: ctxpressInputFilter({ budget: { tokens: 250 }, onCompressed: (s) => stats.push(s) }),
    });
    const received = model.received[0]!;
    expect(stats[0]!.originalTokens).toBeGreaterThan(600);
    expect(await inputTokens(received)).toBeLessThanOrEqual(250);
    const text = inputText(received.input);
    expect(text).toContain(`Question: ${QUESTION}`);
    expect(text).toContain(ANSWER);
    expect(text).not.toContain('Connection pooling limits');
    expect(received.instructions).toBe('Answer from the documents only.');
  });
});

describe('pass-through and fail-open', () => {
  async function plainInput(input: string): Promise<AgentInputItem[]> {
    const model = new ScriptedModel([{ text: 'ok' }]);
    await run(new Agent({ name: 'Plain', instructions: INSTRUCTIONS, model }), input);
    return model.received[0]!.input;
  }

  it('an input at or under whenOverTokens reaches the model untouched', async () => {
    const model = new ScriptedModel([{ text: 'ok' }]);
    const stats: CtxpressStats[] = [];
    const filter = ctxpressInputFilter({ budget: { tokens: 50 }, whenOverTokens: 5000, onCompressed: (s) => stats.push(s) });
    await run(new Agent({ name: 'Plain', instructions: INSTRUCTIONS, model }), `${documents()}\n\n${QUESTION}`, { callModelInputFilter: filter });
    expect(model.received[0]!.input).toEqual(await plainInput(`${documents()}\n\n${QUESTION}`));
    expect(stats[0]).toMatchObject({ mode: 'skipped', ratio: 1 });
    expect(stats[0]!.originalTokens).toBe(stats[0]!.compressedTokens);
  });

  it('an input that fits the budget comes back as the same object', async () => {
    const modelData = { input: [{ role: 'user' as const, content: QUESTION }], instructions: INSTRUCTIONS };
    const { modelData: out, stats } = await compressModelInput(modelData, { budget: { tokens: 1000 } });
    expect(out).toBe(modelData);
    expect(stats.mode).toBe('relevance');
  });

  it('fails open: a budget the instructions and question alone exceed sends the original input, and says why', async () => {
    const model = new ScriptedModel([{ text: 'ok' }]);
    const stats: CtxpressStats[] = [];
    await run(new Agent({ name: 'Plain', instructions: INSTRUCTIONS, model }), `${documents()}\n\n${QUESTION}`, {
      callModelInputFilter: ctxpressInputFilter({ budget: { tokens: 5 }, onCompressed: (s) => stats.push(s) }),
    });
    expect(model.received[0]!.input).toEqual(await plainInput(`${documents()}\n\n${QUESTION}`));
    expect(stats[0]).toMatchObject({ mode: 'fail-open', error: { code: 'BUDGET_UNSATISFIABLE' }, ratio: 1 });
    expect(stats[0]!.originalTokens).toBeGreaterThan(600);
  });

  it('fails open on an input compressChat cannot read (an orphan function call result)', async () => {
    const input = [
      { role: 'user', content: QUESTION },
      { type: 'function_call_result', callId: 'nope', name: 'search', status: 'completed', output: { type: 'text', text: toolOutput('rover') } },
    ] as AgentInputItem[];
    const { modelData, stats } = await compressModelInput({ input }, { budget: { tokens: 50 } });
    expect(modelData.input).toBe(input);
    expect(stats).toMatchObject({ mode: 'fail-open', error: { code: 'INVALID_INPUT' } });
  });

  it('failOpen: false rejects the run with the CtxpressError before the model is called', async () => {
    const model = new ScriptedModel([{ text: 'ok' }]);
    const promise = run(new Agent({ name: 'Plain', instructions: INSTRUCTIONS, model }), `${documents()}\n\n${QUESTION}`, {
      callModelInputFilter: ctxpressInputFilter({ budget: { tokens: 5 }, failOpen: false }),
    });
    await expect(promise).rejects.toSatisfy((error) => isCtxpressError(error) && error.code === 'BUDGET_UNSATISFIABLE');
    expect(model.received).toHaveLength(0);
  });
});

describe('compressModelInput item shapes', () => {
  const big = (topic: string) => toolOutput(topic);
  const input = (): AgentInputItem[] => [
    {
      role: 'user',
      content: [
        { type: 'input_text', text: 'Look into the rover.' },
        { type: 'input_image', image: 'https://example.com/rover.png' },
      ],
    },
    { type: 'reasoning', id: 'rs_1', content: [{ type: 'input_text', text: 'I should search.' }], providerData: { encrypted: 'x' } },
    { type: 'function_call', callId: 'a', name: 'search', arguments: '{"topic":"chess"}', status: 'completed' },
    { type: 'function_call', callId: 'b', name: 'search', arguments: '{"topic":"tax"}', status: 'completed' },
    { type: 'function_call_result', callId: 'a', name: 'search', status: 'completed', output: big('chess') },
    {
      type: 'function_call_result',
      callId: 'b',
      name: 'search',
      status: 'completed',
      output: [
        { type: 'input_text', text: big('tax') },
        { type: 'input_image', image: 'https://example.com/chart.png' },
      ],
    },
    { role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Nothing on the rover yet. Searching again.' }] },
    { type: 'function_call', callId: 'c', name: 'search', arguments: '{"topic":"rover"}', status: 'completed' },
    { type: 'function_call_result', callId: 'c', name: 'search', status: 'completed', output: { type: 'text', text: big('rover') } },
    { type: 'function_call', callId: 'd', name: 'camera', arguments: '{}', status: 'completed' },
    { type: 'function_call_result', callId: 'd', name: 'camera', status: 'completed', output: { type: 'image', image: 'https://example.com/mast.png' } },
    { role: 'user', content: QUESTION },
  ];

  it('cuts each output shape in place, keeps calls, reasoning and media as the input objects, never mutates', async () => {
    const original = input();
    const snapshot = structuredClone(original);
    const { modelData, stats } = await compressModelInput({ input: original, instructions: INSTRUCTIONS }, { budget: { tokens: 600 }, mediaTokens: 50 });
    expect(original).toEqual(snapshot);
    expect(stats.compressedTokens).toBeLessThanOrEqual(600);
    expect(stats.originalTokens).toBeGreaterThan(1000);
    expect(await inputTokens({ instructions: INSTRUCTIONS, input: modelData.input }, 'o200k_base', 50)).toBeLessThanOrEqual(600);
    const out = modelData.input;
    expect(pairingProblems(out)).toEqual([]);
    for (const item of out) {
      if (item.type === 'function_call' || item.type === 'reasoning') expect(original).toContain(item); // the same objects
    }
    const result = (id: string) => out.find((i): i is FunctionCallResultItem => i.type === 'function_call_result' && i.callId === id);
    // every result keeps its SDK shape; text was cut or replaced by a placeholder
    if (result('a')) expect(typeof result('a')!.output).toBe('string');
    if (result('b')) {
      const parts = result('b')!.output as { type: string }[];
      expect(parts.find((p) => p.type === 'input_image')).toBe((original[5] as { output: unknown[] }).output[1]);
    }
    expect(result('c')!.output).toMatchObject({ type: 'text' });
    expect((result('c')!.output as { text: string }).text).toContain(ANSWER);
    expect((result('c')!.output as { text: string }).text.length).toBeLessThan(big('rover').length);
    if (result('d')) expect(result('d')).toBe(original[10]);
    expect(out.at(-1)).toBe(original.at(-1));
    expect(modelData.instructions).toBe(INSTRUCTIONS);
  });

  it('shows SDK items to compressChat as Responses items', () => {
    const items = input();
    expect(responsesView(items[2]!)).toEqual({ type: 'function_call', call_id: 'a', name: 'search', arguments: '{"topic":"chess"}' });
    expect(responsesView(items[8]!)).toEqual({ type: 'function_call_output', call_id: 'c', output: big('rover') });
    expect(responsesView(items[10]!)).toEqual({ type: 'function_call_output', call_id: 'd', output: [] });
    expect(responsesView(items[0]!)).toBe(items[0]);
    expect(
      responsesView({ type: 'computer_call_result', callId: 'x', status: 'completed', output: { type: 'computer_screenshot', data: 'y' } } as AgentInputItem),
    ).toEqual({
      type: 'computer_call_output',
      call_id: 'x',
    });
  });
});
