import { describe, expect, it } from 'vitest';
import { findQuestion } from './question.js';

const DOC = (k: number): string =>
  `Document ${k} describes the rover's power system in detail. The batteries were charged by solar panels during the day. ` +
  `Dust storms reduced the charge by a third in the second year, and the team adjusted the driving schedule. ` +
  `Engineers kept a log of every sol, with temperatures, voltages and the distance driven.`;
const DOCS = [1, 2, 3, 4, 5].map(DOC);
const Q = 'What limits the battery life of the rover?';

/** The kept text of a message: its question ranges. */
function kept(text: string): string[] {
  return findQuestion(text).ranges.map(([s, e]) => text.slice(s, e));
}

describe('findQuestion on RAG phrasings', () => {
  const cases: Array<[string, string, string]> = [
    ['Question: line at the end', `Use the documents.\n\nDocuments:\n\n${DOCS.join('\n\n')}\n\nQuestion: ${Q}`, `Question: ${Q}`],
    ['bare question as the last paragraph', `${DOCS.join('\n\n')}\n\n${Q}`, Q],
    ['Q: label', `Answer based on the context.\n\nContext: ${DOCS.join('\n\n')}\n\nQ: ${Q}`, `Q: ${Q}`],
    ['question first, instruction last', `${Q}\n\nUse these documents:\n\n${DOCS.join('\n\n')}\n\nAnswer concisely.`, Q],
    ['xml documents, question after', `<documents>\n${DOCS.map((d) => `<document>\n${d}\n</document>`).join('\n')}\n</documents>\n\nQuestion: ${Q}`, `Question: ${Q}`],
    ['question tag', `<context>\n${DOCS.join('\n\n')}\n</context>\n<question>${Q}</question>`, `<question>${Q}</question>`],
    ['question tag first', `<question>${Q}</question>\n\n${DOCS.join('\n\n')}\n\nThanks!`, `<question>${Q}</question>`],
    ['markdown bold label', `## Context\n\n${DOCS.join('\n\n')}\n\n**Question:** ${Q}\n\n**Answer:**`, `**Question:** ${Q}\n\n**Answer:**`],
    ['heading label', `${DOCS.join('\n\n')}\n\n### Question\n${Q}`, Q],
    ['Task: label with an instruction', `${DOCS.join('\n\n')}\n\nTask: summarise what limits the battery life, in two sentences.`, 'Task: summarise'],
    ['Instructions at the start', `Instructions: answer in French.\n\n${DOCS.join('\n\n')}\n\n${Q}`, 'Instructions: answer in French.'],
    ['LangChain default prompt', `Use the following pieces of context to answer the question at the end.\n\n${DOCS.join('\n\n')}\n\nQuestion: ${Q}\nHelpful Answer:`, `Question: ${Q}\nHelpful Answer:`],
    ['question inside a long last paragraph', `${DOCS.slice(0, 4).join('\n\n')}\n\n${DOCS[4]} ${DOCS[0]} Given all of this, ${Q.toLowerCase()}`, `Given all of this, ${Q.toLowerCase()}`],
    ['numbered search results', `Search results:\n\n${DOCS.map((d, i) => `[${i + 1}] ${d}`).join('\n\n')}\n\nUsing the search results above, answer: ${Q}`, `answer: ${Q}`],
    ['CRLF line ends', `${DOCS.join('\r\n\r\n')}\r\n\r\nQuestion: ${Q}`, `Question: ${Q}`],
    ['two trailing short paragraphs', `${DOCS.join('\n\n')}\n\nI am writing a report for school.\n\n${Q}`, Q],
  ];
  it.each(cases)('%s: keeps the question verbatim and makes it the query', (_, text, expected) => {
    const parts = findQuestion(text);
    expect(kept(text).some((k) => k.includes(expected))).toBe(true);
    const wanted = text.includes(Q) ? Q.slice(0, 20).toLowerCase() : expected.slice(0, 12).toLowerCase();
    expect(parts.query.toLowerCase()).toContain(wanted);
    // the material stays compressible: at most a small share of the text is fixed
    const fixed = parts.ranges.reduce((sum, [s, e]) => sum + e - s, 0);
    expect(fixed).toBeLessThan(text.length * 0.45);
    // ranges are sorted, disjoint and inside the text
    parts.ranges.forEach(([s, e], i) => {
      expect(s).toBeGreaterThanOrEqual(i === 0 ? 0 : parts.ranges[i - 1]![1]);
      expect(e).toBeGreaterThan(s);
      expect(e).toBeLessThanOrEqual(text.length);
    });
  });

  it('ignores a Question: line inside the material (a FAQ document) when the real question is at the end', () => {
    const faq = `FAQ\n\nQuestion: How do I reset the rover? Answer: hold the button.\n\n${DOCS.join('\n\n')}`;
    const text = `${faq}\n\n${DOCS.join('\n\n')}\n\n${Q}`;
    expect(findQuestion(text).query).toContain(Q);
    expect(findQuestion(text).query).not.toContain('reset');
  });

  it('returns nothing for empty text and the whole text when it is all question', () => {
    expect(findQuestion('')).toEqual({ ranges: [], query: '' });
    expect(findQuestion('   \n\n  ')).toEqual({ ranges: [], query: '' });
    const one = findQuestion(Q);
    expect(one.ranges).toEqual([[0, Q.length]]);
    expect(one.query).toBe(Q);
  });
});
